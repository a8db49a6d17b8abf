"""How the workflows keep their state in the unit of work's settings (plain JSON values).

The automation rules, the pending suggestions and the distribution's last
assignment are stored under the ``workflows.*`` keys of
:class:`leadcore.ports.SettingsRepository`, turned into plain data by a copy of
the model's converter (:mod:`leadcore.codec`). A stored value that does not fit (a
file edited by hand) is refused with a :class:`leadcore.errors.ValidationError`
naming the key.

>>> from datetime import datetime, timezone
>>> from leadcore.model import CategoryId
>>> from leadcore.workflows.automation import AutomationRule, AutomationRules, Trigger
>>> rules = AutomationRules((AutomationRule(Trigger.sale_sold(), CategoryId(5)),))
>>> converter.unstructure(rules)["rules"][0]
{'trigger': {'kind': 'sale-sold', 'status_id': None}, 'category_id': 5, 'confirm': False}
>>> converter.structure(converter.unstructure(rules), AutomationRules) == rules
True
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from leadcore import codec
from leadcore.errors import ValidationError
from leadcore.model import AssociateId
from leadcore.ports import SettingsRepository
from leadcore.workflows.automation import AutomationRules, Suggestion

__all__ = [
    "LAST_ASSIGNED",
    "NEXT_SUGGESTION",
    "RULES",
    "SUGGESTIONS",
    "converter",
    "last_assigned",
    "load_rules",
    "load_suggestions",
    "next_suggestion_id",
    "save_rules",
    "save_suggestions",
    "set_last_assigned",
]

RULES = "workflows.automation.rules"
"""The settings key of the automation rules."""
SUGGESTIONS = "workflows.automation.suggestions"
"""The settings key of the pending automation suggestions (confirmation mode)."""
NEXT_SUGGESTION = "workflows.automation.next_suggestion"
"""The settings key of the next suggestion id."""
LAST_ASSIGNED = "workflows.distribution.last"
"""The settings key of the associate the last distribution handed a record to."""

T = TypeVar("T")


converter: cattrs.Converter = codec.converter.copy(forbid_extra_keys=True)
"""The converter of the workflows' stored values: the model's JSON form
(:data:`leadcore.codec.converter`, times as ISO 8601 text, exact types), refusing
unknown keys."""


def _load(settings: SettingsRepository, key: str, kind: type[T], default: T) -> T:
    raw = settings.get(key)
    if raw is None:
        return default
    try:
        return converter.structure(raw, kind)
    except Exception as error:  # cattrs groups, ValueError, leadcore ValidationError
        raise ValidationError(
            f"the stored setting {key!r} cannot be read",
            why=str(error) or type(error).__name__,
            fix="Restore the setting from a backup, or delete it to start from empty",
            key=key,
        ) from error


def load_rules(settings: SettingsRepository) -> AutomationRules:
    """The stored automation rules (none when never stored)."""
    return _load(settings, RULES, AutomationRules, AutomationRules())


def save_rules(settings: SettingsRepository, rules: AutomationRules) -> None:
    """Store the automation rules."""
    settings.set(RULES, converter.unstructure(rules))


def load_suggestions(settings: SettingsRepository) -> list[Suggestion]:
    """The pending suggestions, oldest first."""
    return _load(settings, SUGGESTIONS, list[Suggestion], [])


def save_suggestions(settings: SettingsRepository, suggestions: list[Suggestion]) -> None:
    """Store the pending suggestions."""
    settings.set(SUGGESTIONS, converter.unstructure(suggestions, list[Suggestion]))


def next_suggestion_id(settings: SettingsRepository) -> int:
    """A suggestion id never handed out before (a counter kept in the settings)."""
    last = _load(settings, NEXT_SUGGESTION, int, 0)
    settings.set(NEXT_SUGGESTION, last + 1)
    return last + 1


def last_assigned(settings: SettingsRepository) -> AssociateId | None:
    """The associate who got the last record of the previous distribution."""
    value: Any = _load(settings, LAST_ASSIGNED, int, 0)
    return None if value == 0 else AssociateId(value)


def set_last_assigned(settings: SettingsRepository, associate_id: AssociateId) -> None:
    """Remember who got the last record of a distribution."""
    settings.set(LAST_ASSIGNED, int(associate_id))
