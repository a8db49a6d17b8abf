"""Python's ``str.casefold`` as a SQL function, ``leadcore_casefold(text)`` (private).

Text criteria and text order compare case-folded text (see
:mod:`leadcore.criteria.evaluate`). Neither database folds as Python does:
SQLite's ``lower()`` changes ASCII letters only, PostgreSQL's follows the
locale and never turns ``ß`` into ``ss``. So the SQL adapter calls its own
function, which gives exactly ``str.casefold`` of the running Python:

- on SQLite, :func:`register_sqlite_casefold` registers ``str.casefold`` as a
  deterministic function on each connection;
- on PostgreSQL, :func:`postgres_casefold_ddl` is a ``CREATE OR REPLACE
  FUNCTION``: ASCII text is folded with one ``translate`` of ``A-Z``; other
  text with one ``translate`` of every character that folds to one character
  and a ``replace`` per character that folds to several (``ß`` -> ``ss``). Case
  folding maps each character on its own, so this is exact; the tables come
  from the running Python's ``unicodedata`` (run the DDL again after a Python
  upgrade brings a new Unicode version).

:func:`install_casefold` does what the engine's dialect needs.

>>> folded = casefold_table()
>>> folded.single["A"], folded.multi["ß"], "ẞ" in folded.single or "ẞ" in folded.multi
('a', 'ss', True)
"""

from __future__ import annotations

import functools
import sqlite3
import sys
from typing import Any

import attrs
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "CASEFOLD_FUNCTION",
    "CasefoldTable",
    "casefold_table",
    "install_casefold",
    "postgres_casefold_ddl",
    "register_sqlite_casefold",
]

CASEFOLD_FUNCTION = "leadcore_casefold"
"""The SQL name of the function."""


@attrs.frozen
class CasefoldTable:
    """Every character ``str.casefold`` changes: to one character, or to several."""

    single: dict[str, str]
    multi: dict[str, str]


@functools.cache
def casefold_table() -> CasefoldTable:
    """The characters the running Python folds (surrogates skipped: no text holds them).

    Folding is idempotent (checked here), so a folded character is never folded again.
    """
    single: dict[str, str] = {}
    multi: dict[str, str] = {}
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = char.casefold()
        if folded != char:
            if folded.casefold() != folded:  # pragma: no cover - a Unicode change would show here
                raise AssertionError(f"casefold of U+{code:04X} is not idempotent")
            (single if len(folded) == 1 else multi)[char] = folded
    return CasefoldTable(single, multi)


def _fold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def register_sqlite_casefold(dbapi_connection: sqlite3.Connection) -> None:
    """Register ``leadcore_casefold`` on one ``sqlite3`` connection (deterministic).

    >>> import sqlite3
    >>> db = sqlite3.connect(":memory:")
    >>> register_sqlite_casefold(db)
    >>> db.execute("select leadcore_casefold('Straße İ')").fetchone()[0] == "Straße İ".casefold()
    True
    """
    dbapi_connection.create_function(CASEFOLD_FUNCTION, 1, _fold, deterministic=True)


def _literal(chars: str) -> str:
    return "'" + chars.replace("'", "''") + "'"


@functools.cache
def postgres_casefold_ddl() -> str:
    """The ``CREATE OR REPLACE FUNCTION leadcore_casefold(text)`` statement for PostgreSQL.

    >>> ddl = postgres_casefold_ddl()
    >>> ddl.startswith("CREATE OR REPLACE FUNCTION leadcore_casefold(s text)"), "'ss'" in ddl
    (True, True)
    """
    table = casefold_table()
    sources = "".join(table.single)
    targets = "".join(table.single.values())
    slow = f"translate(s, {_literal(sources)}, {_literal(targets)})"
    for char, folded in table.multi.items():
        slow = f"replace({slow}, {_literal(char)}, {_literal(folded)})"
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return (
        f"CREATE OR REPLACE FUNCTION {CASEFOLD_FUNCTION}(s text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $leadcore$ SELECT CASE "
        f"WHEN octet_length(s) = char_length(s) THEN translate(s, '{upper}', '{upper.lower()}') "
        f"ELSE {slow} END $leadcore$"
    )


def install_casefold(bind: Engine | Connection) -> None:
    """Make ``leadcore_casefold`` available to every connection of ``bind``'s database.

    SQLite: registered on each new connection of the engine (call it right
    after ``create_engine``, before the first connection; with a
    :class:`~sqlalchemy.engine.Connection` it is registered on that one).
    PostgreSQL: the function is created (or replaced) in the database, in its
    own transaction. Other dialects are refused with ``NotImplementedError``.

    >>> from sqlalchemy import create_engine, text
    >>> engine = create_engine("sqlite://")
    >>> install_casefold(engine)
    >>> with engine.connect() as db:
    ...     db.execute(text("select leadcore_casefold('ÆBLE')")).scalar()
    'æble'
    """
    dialect = bind.dialect.name
    if dialect == "sqlite":
        if isinstance(bind, Engine):

            def on_connect(dbapi_connection: Any, _record: Any) -> None:
                register_sqlite_casefold(dbapi_connection)

            event.listen(bind, "connect", on_connect)
        else:
            register_sqlite_casefold(bind.connection.driver_connection)  # type: ignore[arg-type]
        return
    if dialect == "postgresql":
        if isinstance(bind, Engine):
            with bind.begin() as connection:
                connection.exec_driver_sql(postgres_casefold_ddl())
        else:
            bind.exec_driver_sql(postgres_casefold_ddl())
        return
    raise NotImplementedError(f"leadcore's SQL adapter supports SQLite and PostgreSQL, not {dialect}")
