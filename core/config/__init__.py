"""One settings tree for every interface: ``load_settings()`` → ``Settings``.

Sources, strongest first:

1. keyword arguments: ``load_settings(narration=["local"], database_url=...)``;
2. the environment, prefix ``STORYAI_``, tables nested with ``__``
   (``STORYAI_PROVIDERS__LOCAL__MODEL=qwen2.5``, ``STORYAI_NARRATION=anthropic,local``);
   the ``quota`` and ``discord`` tables take one underscore
   (``STORYAI_QUOTA_USER_TURNS=50``, ``STORYAI_DISCORD_TOKEN=...``); empty variables
   count as unset;
3. a TOML file: ``$STORYAI_CONFIG``, else ``config.toml`` in the user config folder
   (``platformdirs.user_config_dir("storyai")``). A missing file is fine;
4. the defaults.

The tree (every field is documented on its model)::

    Settings                       model.py
      database_url                 STORYAI_DATABASE_URL
      providers: {name: ProviderSettings}   providers.py  [providers.NAME]
                                   STORYAI_PROVIDERS__<NAME>__<FIELD>, and providers
                                   found from OPENAI_API_KEY, ANTHROPIC_API_KEY,
                                   STORYAI_LOCAL_BASE_URL / OLLAMA_HOST
      narration, summary           STORYAI_NARRATION, STORYAI_SUMMARY
      prices: {model: {...}}       STORYAI_PRICES (JSON)       [prices."model"]
      cache, cache_dir             STORYAI_CACHE, STORYAI_CACHE_DIR
      quota: QuotaSettings         sections.py   STORYAI_QUOTA_<FIELD>    [quota]
      discord: DiscordSettings     sections.py   STORYAI_DISCORD_<FIELD>  [discord]

Example ``config.toml``::

    narration = ["anthropic", "local"]   # failover order
    summary = ["local"]

    [providers.local]
    kind = "openai-compatible"
    base_url = "http://127.0.0.1:11434/v1"
    model = "qwen2.5:7b"

    [providers.anthropic]
    kind = "anthropic"
    model = "claude-sonnet-4-6"
    api_key_env = "MY_ANTHROPIC_KEY"     # or api_key = "..." (kept out of every message)

    [prices."claude-sonnet-4-6"]          # USD per million tokens
    input = 3.0
    output = 15.0

    [quota]
    user_turns = 50
    guild_credits = "unlimited"

Anything wrong (a bad value, an unknown key, a broken file) is a ``SettingsError``
naming the variable or the file, and the key. ``core/bootstrap.py`` loads the tree
once per process and hands it, and what is built from it, to every interface.
"""

from storyai.core.config.files import CONFIG_ENV, default_config_path, read_config_file
from storyai.core.config.loader import load_settings
from storyai.core.config.model import Settings, variables
from storyai.core.config.providers import ProviderSettings
from storyai.core.config.sections import DiscordSettings, QuotaSettings

__all__ = [
    "CONFIG_ENV",
    "DiscordSettings",
    "ProviderSettings",
    "QuotaSettings",
    "Settings",
    "default_config_path",
    "load_settings",
    "read_config_file",
    "variables",
]
