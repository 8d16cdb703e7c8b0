"""Storage: the unit-of-work port and its adapters.

* ``ports``       the port services depend on (``UnitOfWork``, repositories)
* ``memory``      the in-memory fake (``InMemoryStore``), same behaviour, for unit tests
* ``sql``         the SQLAlchemy 2 async adapter (``SqlUnitOfWork``, ``sql_uow_factory``)
* ``database``    ``Database`` (engine + sessions), migrations: ``upgrade``, ``ensure_ready``
* ``orm``, ``converters``, ``migrations/``   rows, row <-> record, Alembic scripts
* ``urls``, ``failures``, ``behaviour``      URL handling, error translation, shared rules

Nothing is imported here, so ``storyai.core.storage.ports`` stays free of SQLAlchemy.
"""
