"""The scheme and its fixed vocabularies: groups, flags, star levels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

GROUPS: tuple[str, ...] = ("committee", "office", "residents")

GROUP_NAMES_ZH: dict[str, str] = {
    "committee": "区农委",
    "office": "办事处",
    "residents": "居民代表",
}

# The six events of 四、2 that disqualify a community for the year.
FLAGS: dict[str, str] = {
    "worker_misconduct": "社区专职工作者严重违法违纪",
    "anti_cult_failure": "与“法轮功”邪教组织斗争不力",
    "over_quota_birth": "出现超计划生育",
    "collective_petition": "出现居民集体上访并造成恶劣影响",
    "major_crime": "发生重大刑事案件",
    "major_accident": "发生重大安全事故",
}

FLAG_NAMES_EN: dict[str, str] = {
    "worker_misconduct": "serious misconduct by a full-time community worker",
    "anti_cult_failure": "failure in the struggle against the Falun Gong cult",
    "over_quota_birth": "a birth over the family-planning quota",
    "collective_petition": "a collective petition by residents with bad effect",
    "major_crime": "a major criminal case",
    "major_accident": "a major safety accident",
}

STAR_LEVELS: tuple[str, ...] = ("five", "four", "three")
STAR_VALUES: dict[str, int] = {"five": 5, "four": 4, "three": 3}
STAR_POLICIES: tuple[str, ...] = ("thirds", "shares", "thresholds")


@dataclass
class Scheme:
    """What the document fixes, overridable per year by scheme.toml."""

    weights: dict[str, float] = field(
        default_factory=lambda: {"committee": 0.15, "office": 0.15, "residents": 0.70}
    )
    # residents, office: exact count per community; committee: minimum
    raters: dict[str, int] = field(
        default_factory=lambda: {"residents": 30, "office": 10, "committee": 1}
    )
    trim: int = 0
    trim_min: int = 5
    star_policy: str = "thirds"
    # shares: five/four fractions; thresholds: minimum total per level
    shares: dict[str, float] = field(default_factory=lambda: {"five": 0.2, "four": 0.3})
    thresholds: dict[str, float] = field(
        default_factory=lambda: {"five": 90.0, "four": 80.0, "three": 60.0}
    )
    timeline: dict[str, tuple[str, str]] = field(default_factory=dict)
    rewards: dict[str, float] = field(default_factory=dict)
    # office raters named in the scheme, for pre-filled forms: [{id, name}]
    office_raters: list[dict[str, str]] = field(default_factory=list)
    source: str | None = None  # the scheme file read, or None for the defaults

    def to_dict(self) -> dict[str, object]:
        return {
            "weights": self.weights,
            "raters": self.raters,
            "scoring": {"trim": self.trim, "trim_min": self.trim_min},
            "stars": {
                "policy": self.star_policy,
                "shares": self.shares,
                "thresholds": self.thresholds,
            },
            "timeline": {group: list(window) for group, window in self.timeline.items()},
            "rewards": self.rewards,
            "source": self.source,
        }


def as_written(value: float) -> Decimal:
    """A number read as a float (a weight, a share, a score) as it was written: the
    shortest decimal that reads back as the same float, 0.15 and not the float's
    0.1499999999999999944... (what an auditor works from)."""
    from decimal import Decimal  # not at import: --help reads this module

    return Decimal(repr(float(value)))
