"""One error hierarchy, rooted at :class:`LeadcoreError`.

Every error says what went wrong, why, and what to do, and carries the ids
involved in ``context`` so callers can react without parsing the message.

>>> err = NotFoundError("company", 42)
>>> str(err)
'unknown company id 42: no company with this id exists. Check the id, or create the company first'
>>> err.context
{'kind': 'company', 'id': 42}

The errors of the core are here. The errors of a part that builds on the core
are defined in that part, each a subclass of one here (catching
:class:`ValidationError` or :class:`LeadcoreError` catches them too), and are
not re-exported from this module: this module is the bottom of the house and
imports nothing of leadcore, so importing them here would make every module an
import cycle. Where each lives:

- :mod:`leadcore.criteria` (also :mod:`leadcore.criteria.errors`):
  ``CriteriaError``, ``UnknownFieldError``, ``OperatorNotAllowed``,
  ``UnknownOperatorError``, ``BadValueError``, ``CriteriaTooDeep``,
  ``CriteriaParseError``; with a position in the text form
  (:mod:`leadcore.criteria.text`): ``UnknownFieldAt``,
  ``OperatorNotAllowedAt``, ``BadValueAt``, ``TooDeepAt``; restriction export:
  ``RestrictionExportError``.
- :mod:`leadcore.criteria.superoffice`: ``SuperOfficeReadError`` (and its
  ``SuperOfficeBadValue`` and ``SuperOfficeTooDeep``, which are also a
  ``BadValueError`` and a ``CriteriaTooDeep``), ``SuperOfficeExportError``,
  ``ColumnError``; ``LeafRefused`` (:mod:`leadcore.criteria.superoffice.operators`).
- :mod:`leadcore.codec`: ``CodecError`` (a document the codec cannot read, with its JSON path).
- :mod:`leadcore.selections`: ``SelectionCycleError``, ``SelectionInUseError``,
  ``SelectionKindError``.
- :mod:`leadcore.views`: ``UnknownColumnError``, ``BadLayoutError``.
- :mod:`leadcore.adapters.memory`: ``FileFormatError`` (and its
  ``JournalCorrupt``, raised for a damaged journal), ``FileInUseError``,
  ``IndexMismatch``.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = [
    "BulkFailed",
    "CompanyHasPersons",
    "ConcurrentChangeError",
    "ConflictError",
    "CsvReadError",
    "DataFileError",
    "DeletedItemError",
    "DuplicateNameError",
    "DuplicateRuleError",
    "FeatureNotLicensed",
    "ImportStopped",
    "InactiveOwnerError",
    "InheritedCategoryError",
    "LastCategoryError",
    "LeadStatusNotEditable",
    "LeadcoreError",
    "ListRuleError",
    "NoAvailableAssociates",
    "NotFoundError",
    "PersistenceError",
    "ReadOnlyError",
    "RuleViolation",
    "SuggestionOutdated",
    "TransitionRefused",
    "UntranslatableCriterion",
    "ValidationError",
]


class LeadcoreError(Exception):
    """Root of every error leadcore raises on purpose."""

    def __init__(self, what: str, *, why: str = "", fix: str = "", **context: Any) -> None:
        self.what = what
        self.why = why
        self.fix = fix
        self.context: dict[str, Any] = context
        parts = what if not why else f"{what}: {why}"
        message = parts if not fix else f"{parts}. {fix}"
        super().__init__(message)


class ValidationError(LeadcoreError, ValueError):
    """A value is not acceptable (wrong type, empty, out of range, contradicts another)."""


class DuplicateNameError(ValidationError):
    """A list item name is already taken (case-insensitively, deleted items included)."""

    def __init__(self, list_name: str, name: str, existing_id: int) -> None:
        super().__init__(
            f"the {list_name} name {name!r} is already used by item {existing_id}",
            why="names are unique ignoring case, deleted items included",
            fix="Choose another name, or restore and reuse the existing item",
            list=list_name,
            name=name,
            existing_id=existing_id,
        )


class NotFoundError(LeadcoreError, LookupError):
    """An id (or, with ``by="name"`` or ``by="key"``, a name or key) refers to nothing."""

    def __init__(self, kind: str, id: object, *, by: str = "id") -> None:
        super().__init__(
            f"unknown {kind} {by} {id!r}",
            why=f"no {kind} with this {by} exists",
            fix=f"Check the {by}, or create the {kind} first",
            kind=kind,
            id=id,
        )


class DeletedItemError(LeadcoreError):
    """A soft-deleted list item cannot be newly assigned."""

    def __init__(self, kind: str, id: int, name: str) -> None:
        super().__init__(
            f"the {kind} {name!r} (id {id}) is deleted",
            why="a deleted list item stays on the records that hold it "
            "but cannot be newly assigned",
            fix=f"Pick an active {kind}, or restore this one in the list administration",
            kind=kind,
            id=id,
            name=name,
        )


class ListRuleError(LeadcoreError):
    """A list administration rule refused the change (for example deleting the default)."""


class RuleViolation(LeadcoreError):
    """A domain rule refused an operation; ``rule`` names it (R1..R12 or a policy)."""

    def __init__(self, rule: str, what: str, *, why: str = "", fix: str = "", **context: Any):
        self.rule = rule
        super().__init__(f"[{rule}] {what}", why=why, fix=fix, rule=rule, **context)


class LeadStatusNotEditable(RuleViolation):
    """The person's lead status is not visible, so it cannot be edited (R1, R4)."""

    def __init__(self, person_id: int, category_name: str | None) -> None:
        where = f"category {category_name!r}" if category_name else "no category"
        super().__init__(
            "R4",
            f"the lead status of person {person_id} is hidden and read-only",
            why=f"its effective {where} is not a lead-enabled Potential customer category",
            fix="Move the company (or, for a person without company, the person) to a "
            "Potential customer category with lead status enabled first; the stored value "
            "is kept and stays searchable meanwhile",
            person_id=person_id,
        )


class InheritedCategoryError(RuleViolation):
    """A person's category comes from its company and cannot be set on the person (R3)."""

    def __init__(self, person_id: int, company_id: int) -> None:
        super().__init__(
            "R3",
            f"the category of person {person_id} cannot be changed on the person",
            why=f"persons inherit the category of their company (company {company_id})",
            fix="Change the category on the company instead",
            person_id=person_id,
            company_id=company_id,
        )


class TransitionRefused(RuleViolation):
    """A transition policy refused a lead-status change (R8)."""


class LastCategoryError(RuleViolation):
    """'Move to next category' was asked at the last category (R10)."""


class FeatureNotLicensed(LeadcoreError, PermissionError):
    """The installation's licence lacks the feature an operation needs."""

    def __init__(self, feature: str, operation: str) -> None:
        super().__init__(
            f"{operation} needs the {feature!r} feature",
            why="the licence of this installation does not include it",
            fix=f"Add {feature!r} to the Licence passed in, or leave out what needs it",
            feature=feature,
        )


class ReadOnlyError(LeadcoreError):
    """A value is read-only once recorded (UTM data points)."""


class InactiveOwnerError(ValidationError):
    """An owner was set to an associate that is unknown or retired.

    >>> str(InactiveOwnerError(7, "unknown"))[:44]
    'associate 7 cannot be an owner: it is unknow'
    """

    def __init__(self, associate_id: int, state: str) -> None:
        super().__init__(
            f"associate {associate_id} cannot be an owner",
            why=f"it is {state}; an owner must be a known, active associate",
            fix="Add the associate first (associates.add), pick an active one, or pass "
            "owner_id=None to clear the owner",
            associate_id=associate_id,
            state=state,
        )


class CompanyHasPersons(LeadcoreError):
    """A company that still has persons cannot be deleted as it is."""

    def __init__(self, company_id: int, count: int) -> None:
        super().__init__(
            f"company {company_id} still has {count} person(s)",
            why="deleting it would leave them pointing at a company that no longer exists",
            fix="Pass persons='move' (with move_to=another company id, or None for no "
            "company) or persons='delete'",
            company_id=company_id,
            count=count,
        )


class ConflictError(LeadcoreError):
    """Someone else changed an aggregate first; nothing was written.

    Raised for a stale copy saved to a repository, for a commit that finds what
    its unit read changed meanwhile, and for a command given an
    ``expected_version`` the record no longer has. ``expected`` and ``actual``
    (also in ``context``) are the version the change was made against and the
    version stored now.

    ``retryable`` tells whether running the same command again can succeed:
    ``True`` for a change detected while the command ran (run again, it reloads
    and decides on the new data; :func:`leadcore.retry` does that), ``False``
    for a stale ``expected_version`` given by the caller (the same request can
    never succeed: show the record at version ``actual`` and let the user
    decide again).

    >>> err = ConflictError("person", 7, 2, 3, retryable=False)
    >>> err.retryable, err.context["expected"], err.context["actual"]
    (False, 2, 3)
    >>> str(err)
    'person 7 is at version 3, not the expected version 2: ...'
    """

    def __init__(
        self, kind: str, id: object, expected: int, actual: int, *, retryable: bool = True
    ) -> None:
        self.retryable = retryable
        if retryable:
            what = f"{kind} {id!r} was changed by someone else (version {actual}, yours {expected})"
            why = "saving a stale copy would lose their update"
            fix = "Reload the record, re-apply your change and save again"
        else:
            what = f"{kind} {id!r} is at version {actual}, not the expected version {expected}"
            why = "someone else changed it after the version this change was made against"
            fix = (
                f"Reload it (version {actual}), check that the change still applies "
                "and send it again against that version"
            )
        super().__init__(
            what,
            why=why,
            fix=fix,
            kind=kind,
            id=id,
            expected=expected,
            actual=actual,
            retryable=retryable,
        )


class PersistenceError(LeadcoreError):
    """Storage could not be written durably.

    ``committed`` tells whether the change took effect anyway (an in-memory store
    whose file write failed after the commit): then the caller must not retry
    the command, and its events were still published.
    """

    def __init__(self, what: str, *, committed: bool, why: str = "", fix: str = "", **context: Any):
        self.committed = committed
        super().__init__(what, why=why, fix=fix, committed=committed, **context)


class _RefusedRow(Protocol):
    """What :class:`ImportStopped` needs of the row that stopped an import: which list
    (``kind``), its index there, and the error. :class:`leadcore.importing.RefusedRow`
    is one (this module imports nothing of leadcore, so it names the shape, not the class).
    """

    @property
    def kind(self) -> str:
        """``"company"`` or ``"person"``."""

    @property
    def index(self) -> int:
        """The row's index in its list."""

    @property
    def error(self) -> LeadcoreError:
        """Why the row was refused."""


class ImportStopped(LeadcoreError):
    """An import with ``on_error="stop"`` met a refused row: nothing was imported.

    ``row`` says which row stopped it and why (a :class:`leadcore.importing.RefusedRow`:
    its ``index`` counts the rows given, from 0). A reader of files names the
    ``file`` and the ``line`` the row starts on instead (as the ``leadcore import``
    command does):

    >>> from leadcore.importing import RefusedRow
    >>> row = RefusedRow("person", 1, ValidationError("bad e-mail"))
    >>> str(ImportStopped(row)).split(":")[0]
    'the import stopped at person row 1'
    >>> str(ImportStopped(row, file="persons.csv", line=3)).split(":")[0]
    'the import stopped at persons.csv, line 3'
    """

    def __init__(self, row: _RefusedRow, *, file: str = "", line: int | None = None) -> None:
        self.row = row
        self.file = file
        self.line = line
        where = f"{row.kind} row {row.index}"
        context: dict[str, Any] = {"kind": row.kind, "index": row.index}
        if file and line is not None:
            where = f"{file}, line {line}"
            context.update(file=file, line=line)
        super().__init__(
            f"the import stopped at {where}: nothing was imported",
            why=str(row.error),
            fix="Correct that row and import again, or pass on_error='collect' to import "
            "the good rows and get the refused ones reported",
            **context,
        )


class CsvReadError(ValidationError):
    """A CSV file for the import could not be read; ``line`` is the file's line number and
    ``file`` names the file (its path, or "the persons file" for a stream without name).

    >>> str(CsvReadError("unknown category 'Leed'", line=3, file="persons.csv"))
    "persons.csv, line 3: unknown category 'Leed'"
    """

    def __init__(
        self,
        what: str,
        *,
        line: int,
        file: str = "",
        why: str = "",
        fix: str = "",
        **context: Any,
    ):
        self.line = line
        self.file = file
        where = f"{file}, line {line}" if file else f"line {line}"
        super().__init__(f"{where}: {what}", why=why, fix=fix, line=line, file=file, **context)


class DataFileError(LeadcoreError):
    """A data file (the ``leadcore`` command's store, or a file it writes) is missing, is
    there when it must not be, or its path cannot name a file.

    >>> DataFileError.missing("crm.json").context
    {'path': 'crm.json'}
    """

    @classmethod
    def unusable(cls, path: str, why: str) -> DataFileError:
        """``path`` cannot name a data file (empty, a NUL, a directory ...), as ``why`` says.

        >>> str(DataFileError.unusable("", "it is empty"))
        "the path '' cannot name a data file: it is empty. Give the path of a file ..."
        """
        return cls(
            f"the path {path!r} cannot name a data file",
            why=why,
            fix="Give the path of a file (leadcore --data crm.json ...), or a database URL",
            path=path,
        )

    @classmethod
    def output_exists(cls, path: str) -> DataFileError:
        """A file (or a link) is at ``path``, which a command was to write.

        >>> DataFileError.output_exists("out/persons.csv").context
        {'path': 'out/persons.csv'}
        """
        return cls(
            f"a file already exists at {path!r}",
            why="the command never writes over a file (nor through a link) unless told to",
            fix="Pass --force to replace it (the new file is written beside it and renamed "
            "over it; a link is replaced, not followed), or choose another path",
            path=path,
        )

    @classmethod
    def missing(cls, path: str) -> DataFileError:
        """No data file at ``path`` where one is needed."""
        return cls(
            f"no data file at {path!r}",
            why="the command reads and changes an existing data file",
            fix=f"Check the path, or create the file first with: leadcore --data {path} init",
            path=path,
        )

    @classmethod
    def exists(cls, path: str) -> DataFileError:
        """A data file is already at ``path`` where a new one was to be made."""
        return cls(
            f"a data file already exists at {path!r}",
            why="init makes a new data file and never overwrites one",
            fix="Pick another path, or remove the file (and its .journal files) first",
            path=path,
        )


class DuplicateRuleError(ValidationError):
    """An automation rule exists for this trigger already (at most one per trigger, R9)."""

    def __init__(self, trigger: str) -> None:
        super().__init__(
            f"an automation rule for {trigger!r} exists already",
            why="each trigger has at most one rule",
            fix="Change the existing rule (automation.change_rule) or delete it first",
            trigger=trigger,
        )


class NoAvailableAssociates(LeadcoreError):
    """Lead distribution found no associate to hand records to (R11)."""

    def __init__(self, associate_ids: list[int], groups: list[str]) -> None:
        super().__init__(
            "no available associate to distribute to",
            why="every chosen associate (or member of the chosen groups) is retired or "
            "not of normal availability",
            fix="Choose other associates or groups, or set someone's availability to normal",
            associate_ids=associate_ids,
            groups=groups,
        )


class SuggestionOutdated(RuleViolation):
    """An automation suggestion no longer applies: the company moved or the rule changed."""

    def __init__(self, suggestion_id: int, company_id: int, why: str) -> None:
        super().__init__(
            "R9",
            f"suggestion {suggestion_id} for company {company_id} no longer applies",
            why=why,
            fix="The suggestion was dropped; change the company's category by hand if the "
            "move is still wanted",
            suggestion_id=suggestion_id,
            company_id=company_id,
        )


class BulkFailed(LeadcoreError):
    """A bulk update failed part way: ``log`` says exactly which batches stand.

    ``log`` is a :class:`leadcore.workflows.BulkLog` of the batches committed
    before the failure; the batch that failed changed nothing. The cause is
    ``__cause__``.
    """

    def __init__(self, log: Any, cause: BaseException) -> None:
        self.log = log
        super().__init__(
            f"the bulk update failed in batch {log.batches_committed + 1}: {cause}",
            why=f"{log.batches_committed} batch(es) were committed before; the failing batch "
            "changed nothing",
            fix="Read the log (error.log) for what changed, correct the cause and apply "
            "again to the records not yet changed",
            batches_committed=log.batches_committed,
        )


class ConcurrentChangeError(ConflictError):
    """The store refused a unit of work's change because another unit committed a
    conflicting change at the same time (a database's serialization failure, a
    deadlock, a row another unit inserted or deleted meanwhile, or a commit that
    landed in memory after the unit read what it decides on). Nothing of the unit
    was written, and running the command again can succeed: ``retryable`` is
    always ``True``.

    >>> err = ConcurrentChangeError("could not serialize access", sqlstate="40001")
    >>> err.retryable, isinstance(err, ConflictError), err.context["sqlstate"]
    (True, True, '40001')
    """

    def __init__(self, detail: str, **context: Any) -> None:
        self.retryable = True
        LeadcoreError.__init__(
            self,
            "another unit of work committed a conflicting change first",
            why=f"the store refused this change ({detail})",
            fix="Nothing was written: run the command again (it reloads what it needs)",
            detail=detail,
            retryable=True,
            **context,
        )


class UntranslatableCriterion(ValidationError):
    """The SQL adapter cannot translate a criterion so that it answers exactly as in memory.

    It is refused rather than answered differently (or with a part dropped); the
    message says which part and what to change.

    >>> err = UntranslatableCriterion("text holding NUL", why="SQL stops at NUL", fix="Remove it")
    >>> isinstance(err, ValidationError), str(err)
    (True, 'text holding NUL: SQL stops at NUL. Remove it')
    """
