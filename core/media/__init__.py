"""Pictures and voices: the media port, visual specs with stable identity, the
content-addressed store, media credits, and the use cases that make them.

* ``port``      ImageRequest / SpeechRequest and the two ports every adapter implements
* ``fake``      in-memory fakes of both ports (scripted failures, every request kept)
* ``spec``      VisualSpec: appearance + world style + seed + reference, and the prompt
* ``store``     MediaStore: files named by the hash of their request, and a log per story
* ``credits``   what an image (by size) and a voice line (by length) cost
* ``router``    failover across a task's providers (``image``, ``speech``)
* ``voices``    a voice per character, kept once assigned
* ``service``   Media: portraits, establishing and scene images, spoken lines; a failure
                never reaches the turn
* ``adapters``  OpenAI Images and TTS (the openai SDK), Automatic1111 and ElevenLabs
                (HTTP), OpenAI-compatible local servers, espeak-ng
* ``build``     the adapters the settings tree configures (``[media]``)
"""
