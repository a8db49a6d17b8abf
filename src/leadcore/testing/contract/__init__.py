"""The adapter conformance kit: abstract pytest test classes for storage adapters.

An adapter proves it behaves like leadcore's in-memory default by subclassing
the ``*Contract`` classes (pytest does not collect them by themselves) in a
class named ``Test*`` and implementing :meth:`AdapterContract.fresh_factory`:
given the lists to start with, return a factory of units of work over a new,
empty store.

.. code-block:: python

    from leadcore.adapters.memory import InMemoryStore
    from leadcore.testing.contract import AdapterContract

    class TestMyAdapter(AdapterContract):
        def fresh_factory(self, lists):
            return InMemoryStore(lists).unit_of_work

The classes cover CRUD, versions and conflicts, rollback (on exception, on
leaving without commit, after a failed commit), history order, settings, lists,
selections, associates, deletion (read-your-writes, rollback, conflicts, a
company with persons refused, finds after deletions), and find/count agreeing
with the compiled predicate on generated data and generated criteria (the
kit's own, aimed at what adapters index, and the hostile scenarios of
:mod:`leadcore.testing.strategies`), with order and paging; and the richer
reads: batch gets, pages with totals, finds with companies and grouped counts
(each bucket equal to the count of its value's criterion); the history's time-range
read (``between``) and the lead dashboards' tiles over a small story; and the views
(board, contacts tab, Find results, saved layouts, refused card moves) through
the service over the adapter.

Each port has a module of its own: :mod:`~leadcore.testing.contract.base`
(:class:`AdapterBase`, ``AT``), :mod:`~leadcore.testing.contract.records`
(companies and persons), :mod:`~leadcore.testing.contract.unit_of_work`,
:mod:`~leadcore.testing.contract.history`, :mod:`~leadcore.testing.contract.settings`,
:mod:`~leadcore.testing.contract.lists`, :mod:`~leadcore.testing.contract.selections`,
:mod:`~leadcore.testing.contract.associates`, :mod:`~leadcore.testing.contract.queries`,
:mod:`~leadcore.testing.contract.reads`, :mod:`~leadcore.testing.contract.dashboards`,
:mod:`~leadcore.testing.contract.views`, and the strategies they draw from,
:mod:`~leadcore.testing.contract.generated`. Import every name from here.

An adapter may detect a conflict when saving or when committing; the kit
accepts both. Two open units never write the same row in the kit, so an adapter
that writes through to a database holding row locks does not block itself.

>>> issubclass(AdapterContract, QueryContract)
True
"""

from __future__ import annotations

from leadcore.testing.contract.associates import AssociateContract
from leadcore.testing.contract.base import AT, AdapterBase, UnitOfWorkFactory
from leadcore.testing.contract.dashboards import DashboardsContract
from leadcore.testing.contract.generated import company_rows, contract_criteria, person_rows
from leadcore.testing.contract.history import HistoryContract
from leadcore.testing.contract.lists import ListsContract
from leadcore.testing.contract.queries import QueryContract
from leadcore.testing.contract.reads import PERSON_GROUP_FIELDS, ReadsContract, check_grouped_counts
from leadcore.testing.contract.records import CrudContract, DeletionContract
from leadcore.testing.contract.selections import SelectionContract
from leadcore.testing.contract.settings import SettingsContract
from leadcore.testing.contract.unit_of_work import ConflictContract, RollbackContract
from leadcore.testing.contract.views import ViewsContract

__all__ = [
    "AT",
    "PERSON_GROUP_FIELDS",
    "AdapterBase",
    "AdapterContract",
    "AssociateContract",
    "ConflictContract",
    "CrudContract",
    "DashboardsContract",
    "DeletionContract",
    "HistoryContract",
    "ListsContract",
    "QueryContract",
    "ReadsContract",
    "RollbackContract",
    "SelectionContract",
    "SettingsContract",
    "UnitOfWorkFactory",
    "ViewsContract",
    "check_grouped_counts",
    "company_rows",
    "contract_criteria",
    "person_rows",
]


class AdapterContract(
    CrudContract,
    ConflictContract,
    RollbackContract,
    HistoryContract,
    SettingsContract,
    ListsContract,
    SelectionContract,
    QueryContract,
    ReadsContract,
    AssociateContract,
    DeletionContract,
    DashboardsContract,
    ViewsContract,
):
    """Every contract at once: subclass this as ``Test...`` and implement ``fresh_factory``."""
