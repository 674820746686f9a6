"""Ranking and stars (SPEC 3.4, 3.5): competition ranking and the three star policies.

Core only: Series in, Series out, no printing. All communities of all areas are
ranked together (全区排名); the caller passes only the published (rounded) totals.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from starcommunity.model import as_written

if TYPE_CHECKING:
    import pandas as pd

    from starcommunity.model import Scheme


def competition_rank(totals: pd.Series) -> pd.Series:
    """Highest total first; equal totals share a rank, the next rank skips (1, 2, 2, 4).

    NaN totals get <NA>. Pass the published totals (rounded half-up to 2 decimals):
    two communities that publish the same total must share a rank.
    """
    ranks = totals.astype(float).rank(method="min", ascending=False, na_option="keep")
    return ranks.astype("Int64")


def level_counts(n: int, scheme: Scheme) -> tuple[int, int]:
    """(five, four) for thirds and shares: how many ranks each level reaches down to."""
    if n <= 0:
        return 0, 0
    if scheme.star_policy == "shares":
        # in decimal, as the shares are written: n x share in floats is off by a hair
        # (10 x 0.7 = 7.000000000000001) and ceil of that gives one star too many
        five_share = as_written(scheme.shares.get("five", 0.0))
        four_share = as_written(scheme.shares.get("four", 0.0))
        five = math.ceil(n * five_share)
        four = math.ceil(n * (five_share + four_share)) - five
        return five, max(four, 0)
    five = math.ceil(n / 3)
    four = math.ceil((n - five) / 2)
    return five, four


def assign_stars(frame: pd.DataFrame, scheme: Scheme) -> pd.Series:
    """Stars (Int64 3/4/5 or <NA>) for a frame with `rank` and `total` columns.

    Only rows with a rank are qualified and counted in n; a row without a rank (
    incomplete or disqualified) gets no star.

    thirds: five = ceil(n/3), four = ceil((n - five)/2), the rest three stars.
    shares: five = ceil(n x five_share), four = ceil(n x (five_share + four_share)) - five.
    For both, rank r is five-star if r <= five, four-star if r <= five + four, else
    three-star: the comparison is on the rank, so tied communities are never split
    across a boundary (a tie at the boundary all go up).
    thresholds: the minimum total for five, four, three; below the three-star minimum
    a community keeps its rank and gets no star.
    """
    import pandas as pd

    rank = frame["rank"].astype("Int64")
    ranked = rank.notna()
    stars = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    if not ranked.any():
        return stars
    if scheme.star_policy == "thresholds":
        total = frame["total"].astype(float)
        # lowest level first so that a higher one overwrites it
        for level, value in (("three", 3), ("four", 4), ("five", 5)):
            minimum = scheme.thresholds.get(level)
            if minimum is not None:
                stars = stars.mask(ranked & total.ge(float(minimum)), value)
        return stars.astype("Int64")
    five, four = level_counts(int(ranked.sum()), scheme)
    r = rank.astype(float)
    stars = stars.mask(ranked, 3)
    stars = stars.mask(ranked & r.le(five + four), 4)
    stars = stars.mask(ranked & r.le(five), 5)
    return stars.astype("Int64")


def rank_and_stars(totals: pd.Series, qualified: pd.Series, scheme: Scheme) -> pd.DataFrame:
    """rank and stars for the qualified communities; <NA> for the others.

    ``totals`` are the published totals; ``qualified`` is complete and not
    disqualified. The others are left out of the ranking and of n (SPEC 3.5).
    """
    import pandas as pd

    considered = totals.astype(float).where(qualified.astype(bool))
    frame = pd.DataFrame({"total": considered, "rank": competition_rank(considered)})
    frame["stars"] = assign_stars(frame, scheme)
    return frame[["rank", "stars"]]
