"""Pure domain: world content, errors. Imports no SQLAlchemy, SDK or UI library."""
