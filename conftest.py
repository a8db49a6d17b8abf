"""Doctest set-up for the whole repository.

The examples in the service's area modules (``leadcore.service.reading`` and
its siblings) assume ``from leadcore import LeadService``, as their module
docstrings say: the areas are mixins of that class and cannot import it.
"""

from __future__ import annotations

import pytest

from leadcore import LeadService


@pytest.fixture(autouse=True)
def _lead_service_in_doctests(doctest_namespace: dict[str, object]) -> None:
    doctest_namespace["LeadService"] = LeadService
