"""Lead distribution (R11): new records spread evenly over available associates.

The pool is the chosen associates plus the members of the chosen groups that
are not retired and whose availability is normal, ordered by id. Records are
handed out round robin in id order, continuing after the associate who got the
last record of the previous distribution (stored by the service). The same
input and state therefore give the same result, and within one run the counts
of the pool's associates differ by at most one.

>>> from leadcore.model import Associate, AssociateId, Availability
>>> team = [Associate(AssociateId(1), "Ann"), Associate(AssociateId(2), "Bo"),
...         Associate(AssociateId(3), "Cy", availability=Availability.AWAY)]
>>> pool = choose_pool(Distribute(groups=(), associates=(1, 2, 3)), team)
>>> pool
(1, 2)
>>> round_robin(3, pool, last=AssociateId(1))
(2, 1, 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from leadcore._checks import ID, TEXT, fields, require, tuple_of
from leadcore.errors import NoAvailableAssociates, NotFoundError, ValidationError
from leadcore.model import Associate, AssociateId, Availability

__all__ = ["Distribute", "choose_pool", "round_robin"]


def _ids(values: Iterable[int]) -> tuple[AssociateId, ...]:
    if isinstance(values, int):
        return (AssociateId(values),)
    return tuple(AssociateId(v) for v in values)


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(values)


@attrs.frozen
class Distribute:
    """Whom to distribute to: associates by id and/or named groups of associates.

    >>> Distribute(associates=(1, 2)).associates
    (1, 2)
    >>> Distribute()
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a distribution names no associate and no group: ...
    """

    associates: tuple[AssociateId, ...] = attrs.field(default=(), converter=_ids)
    groups: tuple[str, ...] = attrs.field(default=(), converter=_texts)

    def __attrs_post_init__(self) -> None:
        _check(self)
        for associate_id in self.associates:
            require(associate_id, ID, entity="distribution", field="associates")
        for group in self.groups:
            require(group, TEXT, entity="distribution", field="groups")
        if not self.associates and not self.groups:
            raise ValidationError(
                "a distribution names no associate and no group",
                why="records are handed to the chosen associates",
                fix="Pass associates=(ids...) or groups=('name', ...)",
            )


_check = fields(
    "distribution",
    associates=tuple_of(int, "a tuple of associate ids"),
    groups=tuple_of(str, "a tuple of group names"),
)


def choose_pool(spec: Distribute, associates: Sequence[Associate]) -> tuple[AssociateId, ...]:
    """The ids, in order, of the associates ``spec`` names that can take records now.

    An unknown associate id or a group no associate belongs to raises
    :class:`NotFoundError`; a pool left empty (all retired or not normal)
    raises :class:`NoAvailableAssociates`.

    >>> from leadcore.model import Associate
    >>> choose_pool(Distribute(groups=("north",)), [Associate(AssociateId(1), "Ann")])
    Traceback (most recent call last):
    ...
    leadcore.errors.NotFoundError: unknown associate group name 'north': ...
    """
    known = {a.id: a for a in associates}
    chosen: set[AssociateId] = set()
    for associate_id in spec.associates:
        if associate_id not in known:
            raise NotFoundError("associate", associate_id)
        chosen.add(associate_id)
    for group in spec.groups:
        members = {a.id for a in associates if group in a.groups}
        if not members:
            raise NotFoundError("associate group", group, by="name")
        chosen |= members
    pool = tuple(
        sorted(
            i
            for i in chosen
            if not known[i].retired and known[i].availability is Availability.NORMAL
        )
    )
    if not pool:
        raise NoAvailableAssociates(sorted(spec.associates), list(spec.groups))
    return pool


def round_robin(
    count: int, pool: Sequence[AssociateId], last: AssociateId | None
) -> tuple[AssociateId, ...]:
    """The owners of ``count`` records: ``pool`` in turn, starting after ``last``.

    ``last`` is the associate who got the previous record; the turn starts at
    the first pool member with a higher id (wrapping), so a pool that changed
    since still continues where the last run stopped.

    >>> round_robin(5, (AssociateId(2), AssociateId(5), AssociateId(9)), AssociateId(4))
    (5, 9, 2, 5, 9)
    """
    if not pool:
        raise ValidationError("round robin over an empty pool", fix="Pass at least one associate")
    start = 0
    if last is not None:
        start = next((k for k, a in enumerate(pool) if a > last), 0)
    size = len(pool)
    return tuple(pool[(start + k) % size] for k in range(count))
