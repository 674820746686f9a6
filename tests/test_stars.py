"""Unit tests of stars.py: competition ranking and the three star policies (SPEC 3.5)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from starcommunity.model import Scheme
from starcommunity.stars import assign_stars, competition_rank, level_counts, rank_and_stars


def policy(name: str, **settings: dict[str, float]) -> Scheme:
    scheme = Scheme(star_policy=name)
    if "shares" in settings:
        scheme.shares = settings["shares"]
    if "thresholds" in settings:
        scheme.thresholds = settings["thresholds"]
    return scheme


def stars_for(totals: list[float], scheme: Scheme, qualified: list[bool] | None = None) -> list:
    series = pd.Series(totals, dtype=float)
    mask = pd.Series(qualified if qualified is not None else [True] * len(totals))
    result = rank_and_stars(series, mask, scheme)["stars"]
    return [None if pd.isna(s) else int(s) for s in result]


# --- competition ranking ----------------------------------------------------------


def test_competition_rank_ties_share_and_skip() -> None:
    ranks = competition_rank(pd.Series([85.0, 90.0, 85.0, 80.0]))
    assert ranks.tolist() == [2, 1, 2, 4]
    assert str(ranks.dtype) == "Int64"


def test_competition_rank_leaves_nan_unranked() -> None:
    ranks = competition_rank(pd.Series([70.0, float("nan"), 90.0]))
    assert ranks.iloc[0] == 2 and ranks.iloc[2] == 1
    assert pd.isna(ranks.iloc[1])


@given(st.lists(st.integers(min_value=6000, max_value=10000), min_size=1, max_size=30))
def test_competition_rank_is_one_plus_number_strictly_better(hundredths: list[int]) -> None:
    totals = pd.Series([h / 100 for h in hundredths])
    ranks = competition_rank(totals)
    for total, rank in zip(totals, ranks, strict=True):
        assert rank == 1 + int((totals > total).sum())


# --- thirds -----------------------------------------------------------------------

THIRDS = {
    1: (1, 0, 0),
    2: (1, 1, 0),
    3: (1, 1, 1),
    4: (2, 1, 1),
    5: (2, 2, 1),
    6: (2, 2, 2),
    7: (3, 2, 2),
    8: (3, 3, 2),
    9: (3, 3, 3),
    10: (4, 3, 3),
}


@pytest.mark.parametrize(("n", "split"), sorted(THIRDS.items()))
def test_thirds_split_for_n_1_to_10(n: int, split: tuple[int, int, int]) -> None:
    totals = [90.0 - i for i in range(n)]
    stars = stars_for(totals, policy("thirds"))
    assert (stars.count(5), stars.count(4), stars.count(3)) == split
    assert stars == sorted(stars, reverse=True)  # best first gets the most stars
    assert level_counts(n, policy("thirds"))[:2] == split[:2]


def test_thirds_tie_at_the_five_star_boundary_goes_up() -> None:
    # n = 6: five = 2, four = 2; ranks 1, 2, 2, 4, 5, 6
    stars = stars_for([95, 90, 90, 85, 80, 75], policy("thirds"))
    assert stars == [5, 5, 5, 4, 3, 3]


def test_thirds_tie_at_the_four_star_boundary_goes_up() -> None:
    # n = 6: five up to rank 2, four up to rank 4; ranks 1, 2, 3, 4, 4, 6
    stars = stars_for([95, 90, 85, 80, 80, 75], policy("thirds"))
    assert stars == [5, 5, 4, 4, 4, 3]


def test_thirds_all_tied_all_five_stars() -> None:
    assert stars_for([88.0] * 5, policy("thirds")) == [5] * 5


def test_disqualified_are_excluded_from_n() -> None:
    totals = [99, 90, 80, 70, 60, 50, 40, 30, 20]
    qualified = [False, True, True, True, True, True, True, True, True]
    stars = stars_for(totals, policy("thirds"), qualified)
    # n = 8, not 9: 3 five, 3 four, 2 three; the disqualified best total gets nothing
    assert stars == [None, 5, 5, 5, 4, 4, 4, 3, 3]
    ranks = rank_and_stars(pd.Series(totals, dtype=float), pd.Series(qualified), policy("thirds"))
    assert pd.isna(ranks["rank"].iloc[0])
    assert ranks["rank"].iloc[1] == 1


def test_no_qualified_community_no_star() -> None:
    assert stars_for([80.0, 70.0], policy("thirds"), [False, False]) == [None, None]
    empty = pd.DataFrame({"rank": pd.Series([], dtype="Int64"), "total": []})
    assert assign_stars(empty, policy("thirds")).empty


# --- shares -----------------------------------------------------------------------


def test_shares_default_20_and_30_percent() -> None:
    stars = stars_for([90.0 - i for i in range(10)], policy("shares"))
    # five = ceil(10 x 0.2) = 2; four = ceil(10 x 0.5) - 2 = 3
    assert stars == [5, 5, 4, 4, 4, 3, 3, 3, 3, 3]


def test_shares_float_product_is_not_ceiled_up() -> None:
    # 10 x (0.1 + 0.2) is 3.0000000000000004 in floats: four must be 3 - 1 = 2, not 3
    assert math.ceil(10 * (0.1 + 0.2)) == 4  # the trap itself
    scheme = policy("shares", shares={"five": 0.1, "four": 0.2})
    assert level_counts(10, scheme) == (1, 2)
    stars = stars_for([90.0 - i for i in range(10)], scheme)
    assert (stars.count(5), stars.count(4), stars.count(3)) == (1, 2, 7)


def test_shares_ceil_rounds_up() -> None:
    # n = 7: five = ceil(1.4) = 2, four = ceil(3.5) - 2 = 2
    assert level_counts(7, policy("shares")) == (2, 2)


# --- thresholds -------------------------------------------------------------------


def test_thresholds_below_three_star_keeps_rank_no_star() -> None:
    scheme = policy("thresholds", thresholds={"five": 90.0, "four": 80.0, "three": 60.0})
    totals = pd.Series([95.0, 85.0, 70.0, 59.99, 90.0, 80.0, 60.0])
    result = rank_and_stars(totals, pd.Series([True] * 7), scheme)
    stars = [None if pd.isna(s) else int(s) for s in result["stars"]]
    assert stars == [5, 4, 3, None, 5, 4, 3]  # a total equal to the minimum reaches it
    assert result["rank"].iloc[3] == 7  # ranked, just no star


def test_thresholds_disqualified_get_nothing() -> None:
    scheme = policy("thresholds")
    assert stars_for([95.0, 85.0], scheme, [False, True]) == [None, 4]


def test_assign_stars_reads_rank_not_order() -> None:
    frame = pd.DataFrame({"total": [70.0, 90.0, 80.0], "rank": pd.array([3, 1, 2], dtype="Int64")})
    stars = assign_stars(frame, policy("thirds"))
    assert stars.tolist() == [3, 5, 4]
    assert not any(isinstance(s, float) and math.isnan(s) for s in stars)
