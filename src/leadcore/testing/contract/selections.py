"""Selections: stored, versioned, listed and deleted (:class:`SelectionContract`)."""

from __future__ import annotations

import attrs
import pytest

from leadcore.criteria.build import condition
from leadcore.errors import ConflictError, NotFoundError
from leadcore.model import PersonId, SelectionId
from leadcore.selections import DynamicSelection, Members, StaticSelection, Target
from leadcore.testing.contract.base import AdapterBase

__all__ = ["SelectionContract"]


class SelectionContract(AdapterBase):
    """Selections are stored, versioned, listed and deleted."""

    def test_crud(self) -> None:
        factory = self.factory()
        static = StaticSelection(
            SelectionId(2), "Hot", Target.PERSONS, Members(persons=frozenset({PersonId(1)}))
        )
        dynamic = DynamicSelection(
            SelectionId(1), "Open leads", Target.PERSONS, condition("person.lead_status", "in", 1)
        )
        with factory() as uow:
            assert uow.selections.add(static).version == 1
            uow.selections.add(dynamic)
            with pytest.raises(ConflictError):
                uow.selections.add(static)
            uow.commit()
        with factory() as uow:
            assert [s.id for s in uow.selections.all()] == [1, 2]
            loaded = uow.selections.get(SelectionId(2))
            renamed = uow.selections.save(attrs.evolve(loaded, name="Warm"))
            assert renamed.version == 2
            with pytest.raises(ConflictError):
                uow.selections.save(loaded)
            uow.selections.delete(SelectionId(1))
            with pytest.raises(NotFoundError):
                uow.selections.get(SelectionId(1))
            uow.commit()
        with factory() as uow:
            assert [(s.id, s.name) for s in uow.selections.all()] == [(2, "Warm")]
            assert uow.selections.get(SelectionId(2)) == renamed
            with pytest.raises(NotFoundError):
                uow.selections.delete(SelectionId(1))
