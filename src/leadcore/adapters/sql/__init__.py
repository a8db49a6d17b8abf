"""The SQL adapter: leadcore's storage on SQLAlchemy Core, for SQLite and PostgreSQL.

>>> from leadcore.adapters.sql import metadata
>>> "persons" in metadata.tables
True
"""

from __future__ import annotations

from leadcore.adapters.sql._schema import metadata

__all__ = ["metadata"]
