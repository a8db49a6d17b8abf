"""Storage adapters: the in-memory default (:mod:`leadcore.adapters.memory`) and
SQLAlchemy Core (:mod:`leadcore.adapters.sql`, extra ``sql``).

:func:`leadcore.open` picks one from the string it is given; :func:`is_database_url`
says which.
"""

__all__ = ["is_database_url"]


def is_database_url(data: str) -> bool:
    """Whether ``data`` names a database (the SQL adapter) rather than a file store.

    >>> is_database_url("sqlite:///crm.db"), is_database_url("crm.json")
    (True, False)
    """
    return data.startswith(("sqlite:", "postgresql", "postgres:")) or "://" in data
