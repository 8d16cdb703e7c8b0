"""Storage tests use the ``storage`` and ``uow_factory`` fixtures of tests/conftest.py."""
