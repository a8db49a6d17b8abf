"""Python's ``str.casefold`` as a SQL function, ``leadcore_casefold(text)`` (private).

Text criteria and text order compare case-folded text (see
:mod:`leadcore.criteria.evaluate`). Neither database folds as Python does:
SQLite's ``lower()`` changes ASCII letters only, PostgreSQL's follows the
locale and never turns ``ß`` into ``ss``. So the SQL adapter calls its own
function, which gives exactly ``str.casefold`` of the running Python:

- on SQLite, :func:`register_sqlite_casefold` registers ``str.casefold`` as a
  deterministic function on each connection;
- on PostgreSQL, :func:`postgres_casefold_ddl` is a ``CREATE OR REPLACE
  FUNCTION``: ASCII text is folded with one ``translate`` of ``A-Z``; text
  without a character where the server's ``lower()`` differs from casefold
  (asked of the server when the function is made) with ``lower()``; other text
  with one ``translate`` of every character that folds to one character and a
  ``replace`` per character that folds to several (``ß`` -> ``ss``). Case
  folding maps each character on its own, so this is exact; the tables come
  from the running Python's ``unicodedata`` (install again after a Python
  upgrade brings a new Unicode version, or a server upgrade a new ``lower()``).

:func:`install_casefold` does what the engine's dialect needs.

>>> folded = casefold_table()
>>> folded.single["A"], folded.multi["ß"], "ẞ" in folded.single or "ẞ" in folded.multi
('a', 'ss', True)
"""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections.abc import Iterable
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
    "postgres_risky_characters",
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


def _fold(value: str | None) -> str | None:
    return None if value is None else value.casefold()


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


def _class_escape(chars: Iterable[str]) -> str:
    """A regular-expression bracket of ``chars``, every one written as a ``\\u`` escape."""
    return "".join(
        f"\\\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\\\U{ord(c):08x}" for c in sorted(chars)
    )


_CONTEXT_SENSITIVE = frozenset("\u03a3")
"""Characters whose ``lower()`` may depend on their neighbours (a final sigma under ICU):
never left to ``lower()``."""


def postgres_casefold_ddl(risky: Iterable[str] = ()) -> str:
    """The ``CREATE OR REPLACE FUNCTION leadcore_casefold(text)`` statement for PostgreSQL.

    Text of ASCII characters only: ``A-Z`` translated. Text without any ``risky``
    character (where the server's ``lower()`` differs from ``str.casefold``): the
    server's ``lower()``. Other text: the exact per-character tables. Without
    ``risky`` (or with every folding character in it) the function never uses ``lower()``.

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
    ascii_case = (
        f"WHEN octet_length(s) = char_length(s) THEN translate(s, '{upper}', '{upper.lower()}')"
    )
    trusted = ""
    risky = frozenset(risky)
    if risky:
        pattern = _class_escape(risky | _CONTEXT_SENSITIVE)
        trusted = f" WHEN s !~ E'[{pattern}]' THEN lower(s)"
    return (
        f"CREATE OR REPLACE FUNCTION {CASEFOLD_FUNCTION}(s text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $leadcore$ SELECT CASE "
        f"{ascii_case}{trusted} ELSE {slow} END $leadcore$"
    )


_PG_LOWERED = (
    "SELECT i, lower(chr(i)) FROM generate_series(1, 1114111) AS i "
    "WHERE (i < 55296 OR i > 57343) AND lower(chr(i)) <> chr(i)"
)


def postgres_risky_characters(connection: Connection) -> frozenset[str]:
    """The characters where this server's ``lower()`` differs from ``str.casefold``
    (asked of the server: its locale decides ``lower()``)."""
    lowered = {chr(code): low for code, low in connection.exec_driver_sql(_PG_LOWERED).all()}
    table = casefold_table()
    folds = {**table.single, **table.multi}
    differs = {c for c, low in lowered.items() if low != folds.get(c, c)}
    return frozenset(differs | {c for c in folds if c not in lowered})


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
                _create_postgres_casefold(connection)
        else:
            _create_postgres_casefold(bind)
        return
    raise NotImplementedError(
        f"leadcore's SQL adapter supports SQLite and PostgreSQL, not {dialect}"
    )


def _create_postgres_casefold(connection: Connection) -> None:
    connection.exec_driver_sql(postgres_casefold_ddl(postgres_risky_characters(connection)))
