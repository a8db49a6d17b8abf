"""Storage adapters: the in-memory default and SQLAlchemy Core."""
