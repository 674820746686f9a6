"""The result of scoring and ranking one year: what every renderer draws from.

The core (scoring.py, stars.py) fills it; report/ renders it; nothing in report/
computes a number of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from starcommunity.model import Scheme

# Columns of Evaluation.communities, in output order.
COMMUNITY_COLUMNS: tuple[str, ...] = (
    "community_id",
    "name",
    "area",
    "committee",  # group scores (mean of rater totals after trimming), float or NaN
    "office",
    "residents",
    "total",  # published total: rounded half-up to 2 decimals, NaN when incomplete
    "total_exact",  # the unrounded weighted sum, for the audit
    "rank",  # Int64, <NA> when not ranked (incomplete or disqualified)
    "stars",  # Int64 3/4/5, <NA> when none
    "disqualified",  # list of flag codes, [] when none
    "complete",  # bool: every needed group has its required raters (scheme [raters])
    "missing",  # list of groups without scores
    "reward",  # float or NaN: the scheme's [rewards] amount for the star level
    "previous_stars",  # Int64 <NA>: stars the year before, when that year could be ranked
    "change",  # "up", "down" (also a star lost), "same", "new" (no star before), or ""
)


@dataclass
class Evaluation:
    year: str
    scheme: Scheme
    communities: pd.DataFrame  # COMMUNITY_COLUMNS, best first; unranked ones last
    groups: pd.DataFrame  # community_id, group, raters, used, expected, short, score
    raters: pd.DataFrame  # community_id, group, rater_id, rater_name, total, trimmed, _file, ...
    flags: pd.DataFrame  # community_id, flag_code, wording, date, note
    inputs: list[dict[str, Any]] = field(default_factory=list)  # file, sha256, bytes
    tool_version: str = ""
    generated_at: str = ""  # ISO time of the run, the only field that changes between runs

    def to_records(self) -> list[dict[str, Any]]:
        """`rank --format json`: one plain object per community, best first."""
        import math

        records = []
        for row in self.communities.to_dict("records"):
            record: dict[str, Any] = {}
            for key in COMMUNITY_COLUMNS:
                value = row.get(key)
                if isinstance(value, float) and math.isnan(value):
                    value = None
                elif value is not None and not isinstance(value, (list, str, bool)):
                    try:
                        import pandas as pd

                        if pd.isna(value):
                            value = None
                        elif hasattr(value, "item"):
                            value = value.item()
                    except (TypeError, ValueError):
                        pass
                record[key] = value
            records.append(record)
        return records
