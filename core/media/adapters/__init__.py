"""Media adapters: each implements ``ImageGenerator`` or ``SpeechSynthesizer`` and raises
``ProviderError`` subclasses only (mapped in ``errors``)."""
