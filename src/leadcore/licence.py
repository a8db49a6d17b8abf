"""Licensed features and the check that gates them.

>>> lic = Licence.of(Feature.LEAD_STATUS)
>>> lic.has(Feature.MARKETING_PREMIUM)
False
>>> lic.require(Feature.MARKETING_PREMIUM, "searching on UTM fields")
Traceback (most recent call last):
...
leadcore.errors.FeatureNotLicensed: searching on UTM fields needs ...
"""

from __future__ import annotations

import enum

import attrs

from leadcore.errors import FeatureNotLicensed

__all__ = ["Feature", "Licence"]


class Feature(enum.Enum):
    """Features an installation may be licensed for; the values are stable codes."""

    LEAD_STATUS = "lead-status"
    MARKETING_PREMIUM = "marketing-premium"
    CATEGORY_AUTOMATION = "category-automation"
    BOARD = "board"
    LEAD_DASHBOARDS = "lead-dashboards"


@attrs.frozen
class Licence:
    """The set of features this installation has."""

    features: frozenset[Feature] = frozenset()

    @classmethod
    def of(cls, *features: Feature) -> Licence:
        """A licence with exactly ``features``."""
        return cls(frozenset(features))

    @classmethod
    def full(cls) -> Licence:
        """A licence with every feature (the default for embedded use and tests)."""
        return cls(frozenset(Feature))

    def has(self, feature: Feature) -> bool:
        """True when ``feature`` is licensed."""
        return feature in self.features

    def require(self, feature: Feature, operation: str) -> None:
        """Raise :class:`FeatureNotLicensed` unless ``feature`` is licensed."""
        if feature not in self.features:
            raise FeatureNotLicensed(feature.value, operation)
