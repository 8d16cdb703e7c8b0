"""Alembic migrations for the storyai schema, run by ``storyai.core.storage.database``.

There is no alembic.ini: ``database.alembic_config()`` builds the configuration.
To add a revision after changing ``orm.py``, autogenerate a draft against a
database at head, then check it by hand (names, batch mode, a full downgrade)::

    from alembic import command
    from storyai.core.storage.database import alembic_config, normalize_url

    config = alembic_config(normalize_url("sqlite:///dev.db"))
    command.revision(config, "what changed", autogenerate=True, rev_id="0002")

``tests/storage/test_migrations.py`` fails until the migrations and ``orm.py`` agree.
"""
