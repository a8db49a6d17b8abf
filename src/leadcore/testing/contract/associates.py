"""Associates: added, saved with versions, listed; conflicts and rollback
(:class:`AssociateContract`)."""

from __future__ import annotations

import attrs
import pytest

from leadcore.errors import ConflictError, NotFoundError
from leadcore.model import Associate, AssociateId, Availability
from leadcore.testing.contract.base import AdapterBase

__all__ = ["AssociateContract"]


class AssociateContract(AdapterBase):
    """Associates: add, get, save with versions, all; conflicts and rollback."""

    def test_associates_are_added_saved_and_listed(self) -> None:
        factory = self.factory()
        with factory() as uow:
            assert uow.associates.all() == []
            ann = uow.associates.add(Associate(AssociateId(2), "Ann", groups=frozenset({"a"})))
            uow.associates.add(Associate(AssociateId(1), "Bo"))
            assert ann.version == 1
            uow.commit()
        with factory() as uow:
            away = uow.associates.save(
                attrs.evolve(uow.associates.get(AssociateId(2)), availability=Availability.AWAY)
            )
            assert away.version == 2
            uow.commit()
        with factory() as uow:
            assert [a.id for a in uow.associates.all()] == [1, 2]
            assert uow.associates.get(AssociateId(2)) == away
            with pytest.raises(NotFoundError):
                uow.associates.get(AssociateId(3))

    def test_associate_conflicts_and_rollback(self) -> None:
        factory = self.factory()
        with factory() as uow:
            ann = uow.associates.add(Associate(AssociateId(1), "Ann"))
            uow.commit()
        with factory() as uow:
            with pytest.raises(ConflictError):
                uow.associates.add(Associate(AssociateId(1), "Again"))
            uow.associates.save(attrs.evolve(ann, name="Ann Able"))
            with pytest.raises(ConflictError):
                uow.associates.save(attrs.evolve(ann, name="Stale"))
        with factory() as uow:  # left without commit
            assert uow.associates.get(AssociateId(1)) == ann
            with pytest.raises(NotFoundError):
                uow.associates.save(Associate(AssociateId(9), "Nobody"))
