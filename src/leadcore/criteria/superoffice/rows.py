"""SuperOffice restriction rows (``ArchiveRestrictionInfo[]``) and criteria groups
(``ArchiveRestrictionGroup[]``, "CriteriaGroups"), read and written per provider.

A row: ``Name`` (column), ``Operator``, ``Values`` (texts), ``IsActive``,
``InterOperator`` (``None``/``And``/``Or``, joining it to the next row; ``None`` is
read as ``And``), ``InterParenthesis`` (positive: parentheses opened before the row;
negative: closed after it) and ``SubRestrictions`` (set for SAINT counters).
``And`` binds tighter than ``Or``. A criteria group is the rows of one
``ArchiveRestrictionGroup`` (its ``Restrictions``), and the groups are or-ed
(SuperOfficeDocs/docs ``en/api/search/find-selection/terminology.md``).

>>> rows = [{"Name": "firstName", "Operator": "begins", "Values": ["B"], "InterOperator": "Or"},
...         {"Name": "lastName", "Operator": "begins", "Values": [""]}]
>>> got = read_rows(rows, "ContactPersonDynamicSelectionV2")
>>> from leadcore.criteria.text import format
>>> format(got.criterion), [n.message for n in got.report.ignored]  # doctest: +ELLIPSIS
('person.first_name begins "B"', ['lastName begins: its value is empty; ignored as ...'])
>>> write_rows(got.criterion, "Person")[0]["Operator"]
'begins'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    AnyOf,
    Condition,
    Criterion,
    Groups,
    all_of,
    any_of,
)
from leadcore.criteria.build import is_inactive, validate
from leadcore.criteria.errors import found_text
from leadcore.criteria.fields import Entity
from leadcore.criteria.superoffice._common import (
    MAX_OPEN,
    Imported,
    ImportReport,
    Note,
    NoteKind,
    SuperOfficeExportError,
    SuperOfficeReadError,
    TreeBuilder,
    read_error,
)
from leadcore.criteria.superoffice._export import exportable, refuse
from leadcore.criteria.superoffice._row import Restriction
from leadcore.criteria.superoffice.columns import (
    NO_ROWS,
    ColumnError,
    Provider,
    default_entity,
)
from leadcore.criteria.superoffice.columns import (
    provider as provider_named,
)
from leadcore.criteria.superoffice.operators import Inactive, LeafRefused, read_leaf, write_leaf

__all__ = ["read_groups", "read_rows", "write_groups", "write_rows"]

MAX_ROWS = 100_000
"""The most rows (sub restrictions included) one import reads."""


def _show(value: object) -> str:
    """A part of a row for a message: a text as it is, anything else (a huge int, a list)
    through :func:`found_text`, which never fails."""
    return value[:60] if isinstance(value, str) else found_text(value)


def _label(row: Mapping[str, Any]) -> str:
    values = row.get("Values") or []
    shown = " ".join(_show(v) for v in values[:4]) if isinstance(values, list | tuple) else ""
    return f"{_show(row.get('Name', ''))} {_show(row.get('Operator', ''))} {shown}".strip()


def _as_mapping(item: object, where: str) -> Mapping[str, Any]:
    if isinstance(item, Restriction):
        return item.to_archive_info()
    if not isinstance(item, Mapping):
        raise SuperOfficeReadError(
            found_text(item),
            where,
            "a row is an ArchiveRestrictionInfo object",
            "Pass a list of objects with Name, Operator and Values",
            form="rows",
        )
    return item


class _RowReader:
    def __init__(self, provider: Provider, entity: Entity) -> None:
        self.provider = provider
        self.entity = entity
        self.notes: list[Note] = []
        self.count = 0

    def error(
        self, where: str, label: str, reason: str, fix: str, cause: BaseException | None = None
    ) -> SuperOfficeReadError:
        return read_error(label, where, reason, fix, form="rows", cause=cause)

    def rows(self, data: object, where: str) -> Criterion | None:
        if isinstance(data, str | bytes | Mapping) or not isinstance(data, Iterable):
            raise self.error(
                where,
                found_text(data),
                "restrictions come as a list of rows",
                "Pass a list of ArchiveRestrictionInfo objects",
            )
        items = list(data)
        builder = TreeBuilder(
            lambda pos, why, fix, cause: self.error(str(pos), "", why, fix, cause)
        )
        for i, item in enumerate(items):
            at = f"{where}[{i}]"
            self.count += 1
            if self.count > MAX_ROWS:
                raise self.error(at, "", f"more than {MAX_ROWS} rows", "Split the import")
            row = _as_mapping(item, at)
            label = _label(row)
            opens, closes, link = self._shape(row, at, label)
            if builder.depth + opens > MAX_OPEN:
                raise self.error(
                    f"{at}.InterParenthesis",
                    label,
                    f"more than {MAX_OPEN} parentheses would be open at once",
                    "Remove redundant parentheses",
                )
            for _ in range(opens):
                builder.open(f"{at}.InterParenthesis")
            builder.operand(self._criterion(row, at, label), at)
            for _ in range(closes):
                builder.close(f"{at}.InterParenthesis")
            if i < len(items) - 1 and link == "or":
                builder.or_()
        return builder.finish_optional()

    def _shape(self, row: Mapping[str, Any], at: str, label: str) -> tuple[int, int, str]:
        link = row.get("InterOperator", "And")
        if link is None:
            link = "None"
        if not isinstance(link, str) or link.strip().casefold() not in ("and", "or", "none"):
            raise self.error(
                f"{at}.InterOperator",
                label,
                f"InterOperator is {found_text(link)}",
                "Write None, And or Or",
            )
        parens = row.get("InterParenthesis", 0)
        if parens is None:
            parens = 0
        if not isinstance(parens, int) or isinstance(parens, bool) or abs(parens) > MAX_OPEN:
            raise self.error(
                f"{at}.InterParenthesis",
                label,
                f"InterParenthesis is {found_text(parens)}",
                f"Write an int from -{MAX_OPEN} to {MAX_OPEN}",
            )
        return max(parens, 0), max(-parens, 0), link.strip().casefold()

    def _criterion(self, row: Mapping[str, Any], at: str, label: str) -> Criterion | None:
        name, operator = row.get("Name"), row.get("Operator")
        if not isinstance(name, str) or not name.strip():
            raise self.error(f"{at}.Name", label, "a row needs a column Name", "Write the column")
        if not isinstance(operator, str):
            raise self.error(
                f"{at}.Operator", label, "a row needs an Operator name", "Write the operator"
            )
        values = row.get("Values")
        if values is None:
            values = []
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise self.error(
                f"{at}.Values",
                label,
                f"Values is {found_text(values)}",
                "Write the values as a list of texts",
            )
        active = row.get("IsActive", True)
        if not isinstance(active, bool):
            raise self.error(
                f"{at}.IsActive", label, "IsActive is not true or false", "Write true or false"
            )
        if not active:
            self.note(at, label, NoteKind.INACTIVE, f"{label}: IsActive is false; ignored")
            return None
        found: list[tuple[NoteKind, str]] = []
        try:
            leaf = read_leaf(
                name,
                operator,
                values,
                self.provider,
                self.entity,
                notes=lambda kind, message: found.append((kind, message)),
            )
        except ColumnError as err:
            raise self.error(f"{at}.Name", label, err.why, err.fix) from err
        except LeafRefused as err:
            where = f"{at}.{err.part}"
            raise self.error(where, label, err.reason, err.fix_text, err.cause) from err
        for kind, message in found:
            self.note(at, label, kind, message)
        if isinstance(leaf, Inactive):
            self.note(
                at,
                label,
                NoteKind.INACTIVE,
                f"{label}: {leaf.why}; ignored as SuperOffice ignores it",
            )
            return None
        subs = row.get("SubRestrictions")
        if subs:
            if ".SubRestrictions" in at:
                raise self.error(
                    f"{at}.SubRestrictions",
                    label,
                    "SubRestrictions inside SubRestrictions (SuperOffice sets one level, "
                    "for SAINT counters)",
                    "Flatten the sub restrictions into one level",
                )
            inner = self.rows(subs, f"{at}.SubRestrictions")
            if inner is not None:
                self.note(
                    at, label, NoteKind.READ_AS, f"{label}: its SubRestrictions are and-ed with it"
                )
                leaf = all_of([leaf, inner])
        return leaf

    def note(self, at: str, label: str, kind: NoteKind, message: str) -> None:
        self.notes.append(Note(at, label, kind, message))


def _provider_entity(provider: str | Provider, entity: Entity | None) -> tuple[Provider, Entity]:
    try:
        p = provider_named(provider)
        return p, default_entity(p, entity)
    except ColumnError as err:
        raise SuperOfficeReadError(
            str(provider), "provider", err.why, err.fix, form="rows"
        ) from err


def read_rows(
    rows: Iterable[Mapping[str, Any] | Restriction],
    provider: str | Provider,
    *,
    entity: Entity | None = None,
) -> Imported:
    """Read ``ArchiveRestrictionInfo`` rows of ``provider`` into a criterion and a report.

    Inactive rows and rows with an empty value are ignored (and reported); an unknown
    column, operator or value is a :class:`SuperOfficeReadError` at ``rows[i].Name``,
    ``rows[i].Operator``, ...; no active row is ALWAYS.

    >>> got = read_rows([{"Name": "contactid", "Operator": "=", "Values": ["[I:24]"]}], "Contact")
    >>> got.criterion.values, got.report.notes[0].kind.value
    ((24,), 'alias')
    """
    p, e = _provider_entity(provider, entity)
    reader = _RowReader(p, e)
    criterion = reader.rows(rows, "rows")
    report = ImportReport(p.name, "rows", tuple(reader.notes))
    return Imported(ALWAYS if criterion is None else criterion, report)


def read_groups(
    groups: Iterable[Mapping[str, Any]],
    provider: str | Provider = "ContactPersonDynamicSelectionV2",
    *,
    entity: Entity | None = None,
) -> Imported:
    """Read SuperOffice criteria groups (``[{"Name", "Rank", "Restrictions": [...]}]``):
    the rows of each group, the groups or-ed; a group with no active row is ignored,
    and with none active the result is ALWAYS (every row), as an empty selection.

    >>> g = [{"Rank": 0, "Restrictions": [{"Name": "leadStatus", "Operator": "oneOf",
    ...       "Values": ["1"]}]}, {"Rank": 1, "Restrictions": [{"Name": "category",
    ...       "Operator": "oneOf", "Values": ["3"]}]}]
    >>> from leadcore.criteria.text import format
    >>> print(format(read_groups(g).criterion))
    person.lead_status in (#1) or company.category in (#3)
    """
    p, e = _provider_entity(provider, entity)
    reader = _RowReader(p, e)
    if isinstance(groups, str | bytes | Mapping) or not isinstance(groups, Iterable):
        raise reader.error(
            "groups",
            found_text(groups),
            "criteria groups come as a list",
            "Pass a list of ArchiveRestrictionGroup objects",
        )
    parts: list[Criterion] = []
    for i, group in enumerate(groups):
        at = f"groups[{i}]"
        if not isinstance(group, Mapping):
            raise reader.error(
                at,
                found_text(group),
                "a group is an ArchiveRestrictionGroup object",
                "Pass objects with Restrictions",
            )
        part = reader.rows(group.get("Restrictions") or [], f"{at}.Restrictions")
        if part is None:
            raw_name = group.get("Name", i)
            name = raw_name if isinstance(raw_name, str) else found_text(raw_name)
            reader.note(
                at, name, NoteKind.INACTIVE, f"group {name!r} has no active restriction; ignored"
            )
            continue
        parts.append(part)
    criterion = any_of(parts) if parts else ALWAYS
    return Imported(criterion, ImportReport(p.name, "groups", tuple(reader.notes)))


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _row(leaf: Condition, p: Provider, e: Entity) -> dict[str, Any]:
    written, why = write_leaf(leaf, p, e, "rows")
    if written is None:
        raise refuse(leaf, e, why or "", p, "rows")
    return {
        "Name": written.column,
        "Operator": written.operator,
        "Values": list(written.values),
        "IsActive": True,
        "InterOperator": "And",
        "InterParenthesis": 0,
    }


def _emit(node: Criterion, out: list[dict[str, Any]], p: Provider, e: Entity) -> None:
    """Rows of ``node``; iterative over an explicit stack (no recursion on depth)."""
    # (node, nested) pairs to visit, and markers to close a group: ("close", start, link)
    stack: list[tuple[str, Any, Any]] = [("visit", node, False)]
    while stack:
        action, a, b = stack.pop()
        if action == "link":
            out[-1]["InterOperator"] = a
            continue
        if action == "close":
            start, nested = a, b
            if nested:
                out[start]["InterParenthesis"] += 1
                out[-1]["InterParenthesis"] -= 1
            continue
        current: Criterion = a
        if isinstance(current, Condition):
            out.append(_row(current, p, e))
            continue
        assert isinstance(current, AllOf | AnyOf)
        link = "And" if isinstance(current, AllOf) else "Or"
        stack.append(("close", len(out), b))
        for i in reversed(range(len(current.children))):
            if i < len(current.children) - 1:
                stack.append(("link", link, None))
            stack.append(("visit", current.children[i], True))


def write_rows(
    criterion: Criterion, provider: str | Provider, *, entity: Entity | None = None
) -> list[dict[str, Any]]:
    """``criterion`` as ``ArchiveRestrictionInfo`` rows of ``provider`` (JSON objects).

    A plain and/or tree of leaves is written as it is, anything else in its normal
    form; every nested and/or gets parentheses. ALWAYS is no row, NEVER the row
    ``getNoRows set 1``. What SuperOffice cannot express raises
    :class:`SuperOfficeExportError` naming the part.

    >>> from datetime import date
    >>> from leadcore.criteria.build import condition
    >>> on = condition("company.registered", "on", date(2020, 5, 28))
    >>> [(r["Name"], r["Operator"], r["Values"]) for r in write_rows(on, "Contact")]
    [('registeredDate', 'date', ['[D:05.28.2020]'])]
    """
    p, e = _export_target(provider, entity)
    tree = exportable(criterion, p, e, "rows")
    if tree is ALWAYS:
        return []
    if tree is NEVER:
        return [
            {
                "Name": NO_ROWS,
                "Operator": "set",
                "Values": ["1"],
                "IsActive": True,
                "InterOperator": "And",
                "InterParenthesis": 0,
            }
        ]
    out: list[dict[str, Any]] = []
    _emit(tree, out, p, e)
    return out


def write_groups(
    criterion: Criterion,
    provider: str | Provider = "ContactPersonDynamicSelectionV2",
    *,
    entity: Entity | None = None,
) -> list[dict[str, Any]]:
    """``criterion`` as SuperOffice criteria groups: each alternative of its top-level or
    one ``ArchiveRestrictionGroup`` (leadcore's group form, without subtract groups,
    is written group by group with its active criteria).

    >>> from leadcore.criteria.build import condition
    >>> c = condition("person.lead_status", "in", 1) | condition("company.category", "in", 3)
    >>> [[r["Name"] for r in g["Restrictions"]] for g in write_groups(c)]
    [['leadStatus'], ['category']]
    """
    p, e = _export_target(provider, entity)
    if isinstance(criterion, Groups) and not any(g.subtract for g in criterion.groups):
        validate(criterion, e)
        parts: list[Criterion] = []
        for g in criterion.groups:
            active = [leaf for leaf in g.criteria if not is_inactive(leaf)]
            if active:
                parts.append(all_of(active))
        alternatives: list[Criterion] = parts or [ALWAYS]
    else:
        tree = exportable(criterion, p, e, "groups")
        alternatives = list(tree.children) if isinstance(tree, AnyOf) else [tree]
    out = []
    for rank, alternative in enumerate(alternatives):
        if alternative is ALWAYS:
            rows = [
                {
                    "Name": "getAllRows",
                    "Operator": "set",
                    "Values": ["1"],
                    "IsActive": True,
                    "InterOperator": "And",
                    "InterParenthesis": 0,
                }
            ]
        else:
            rows = write_rows(alternative, p, entity=e)
        out.append({"Name": str(rank), "Description": "", "Rank": rank, "Restrictions": rows})
    return out


def _export_target(provider: str | Provider, entity: Entity | None) -> tuple[Provider, Entity]:
    try:
        p = provider_named(provider)
        return p, default_entity(p, entity)
    except ColumnError as err:
        raise SuperOfficeExportError(
            str(provider), err.why, err.fix, provider=str(provider), form="rows"
        ) from err
