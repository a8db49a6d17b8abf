"""The base of every resource of :class:`leadcore.service.LeadService`.

Not public API. A resource is a namespace of use cases (``service.persons``,
``service.statuses`` ...) over the service's one :class:`~leadcore.service.Context`;
a resource that needs another gets it as a constructor argument. A class made
with ``namespace="persons"`` has the arguments of its public methods checked
against their annotations (:mod:`leadcore.service._arguments`), once, when the
class is created; a refusal names the method as it is called (``persons.add()``).
"""

from __future__ import annotations

from typing import Any

from leadcore.service._arguments import check_arguments
from leadcore.service._context import Context

__all__ = ["Resource"]


class Resource:
    """A namespace of use cases over one :class:`~leadcore.service.Context`."""

    __slots__ = ("_context",)

    def __init__(self, context: Context) -> None:
        self._context = context

    def __init_subclass__(cls, namespace: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if namespace is not None:
            check_arguments(cls, namespace)
