"""The two admin lists, saved together with a version (:class:`ListsContract`)."""

from __future__ import annotations

import attrs
import pytest

from leadcore.errors import ConflictError
from leadcore.testing.contract.base import AdapterBase

__all__ = ["ListsContract"]


class ListsContract(AdapterBase):
    """The two admin lists are saved together, versioned."""

    def test_load_save_and_conflict(self) -> None:
        factory = self.factory()
        with factory() as uow:
            lists = uow.lists.load()
            assert lists.version == 1
            assert lists.statuses.default.key == "open"
            statuses, added = lists.statuses.add("Nurturing")
            saved = uow.lists.save(attrs.evolve(lists, statuses=statuses))
            assert saved.version == 2
            with pytest.raises(ConflictError):
                uow.lists.save(lists)
            uow.commit()
        with factory() as uow:
            loaded = uow.lists.load()
            assert loaded.version == 2
            assert loaded.statuses.get(added.id).name == "Nurturing"
            assert loaded.categories == lists.categories
