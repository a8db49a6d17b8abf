"""Settings: plain JSON values by key, stored as copies (:class:`SettingsContract`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadcore.errors import ValidationError
from leadcore.testing.contract.base import AdapterBase

__all__ = ["SettingsContract"]


class SettingsContract(AdapterBase):
    """Settings hold plain JSON values by key."""

    def test_get_default_set_and_get(self) -> None:
        factory = self.factory()
        with factory() as uow:
            assert uow.settings.get("missing", 42) == 42
            uow.settings.set("columns", {"person": ["name", "status"], "width": 3})
            uow.commit()
        with factory() as uow:
            assert uow.settings.get("columns") == {"person": ["name", "status"], "width": 3}

    def test_stored_value_is_a_copy(self) -> None:
        factory = self.factory()
        value: dict[str, list[int]] = {"a": [1]}
        with factory() as uow:
            uow.settings.set("v", value)
            uow.commit()
        value["a"].append(2)
        with factory() as uow:
            assert uow.settings.get("v") == {"a": [1]}

    def test_non_json_value_is_refused(self) -> None:
        with self.factory()() as uow, pytest.raises(ValidationError):
            uow.settings.set("when", datetime.now(UTC))
