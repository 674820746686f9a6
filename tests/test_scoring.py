"""Unit tests of scoring.py: rater totals, trim, group means, half-up rounding, evaluate."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from starcommunity.io.year import load_year
from starcommunity.model import Scheme
from starcommunity.scoring import (
    compare,
    evaluate,
    group_scores,
    rater_totals,
    round_half_up,
    trim_mask,
    weighted_totals,
)
from starcommunity.validate import validate_year
from tests.yearfolder import write_year


def totals_frame(groups: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """Rater totals as rater_totals returns them, from {(community, group): [totals]}."""
    rows = [
        {
            "community_id": community,
            "group": group,
            "rater_id": f"{community}-{group}-{n:02d}",
            "rater_name": "",
            "total": total,
        }
        for (community, group), totals in groups.items()
        for n, total in enumerate(totals, start=1)
    ]
    return pd.DataFrame(rows)


def scheme(**changes: object) -> Scheme:
    result = Scheme()
    for key, value in changes.items():
        setattr(result, key, value)
    return result


def loaded(root: Path, year: str = "2010"):
    data, report = load_year(root, year)
    validate_year(data, report)
    assert report.valid, [p.code for p in report.errors]
    return data


# --- rater totals -----------------------------------------------------------------


def test_rater_totals_sum_items_and_keep_only_known_rows(tmp_path: Path) -> None:
    folder = write_year(
        tmp_path,
        2010,
        {"C1": {"committee": [[30, 40.5]], "office": [[20, 25]], "residents": [[10, 5]]}},
        items=[("A1", 50), ("A2", 50)],
    )
    extra = folder / "sheets" / "extra.csv"
    extra.write_text(
        "community_id,group,rater_id,A1,A2\nNOPE,office,O09,1,1\nC1,somebody,X1,1,1\n",
        encoding="utf-8",
    )
    data, _report = load_year(tmp_path, "2010")
    totals = rater_totals(data)
    assert list(totals.columns) == [
        "community_id",
        "group",
        "rater_id",
        "rater_name",
        "total",
        "_file",
        "_sheet",
        "_row",
    ]
    assert sorted(totals["total"]) == [15.0, 45.0, 70.5]
    assert set(totals["community_id"]) == {"C1"}
    committee = totals[totals["group"].eq("committee")].iloc[0]
    assert committee["_file"] == "sheets/committee.csv"
    assert committee["_row"] == 2


def test_blank_item_makes_total_and_score_nan_not_zero(tmp_path: Path) -> None:
    folder = write_year(
        tmp_path,
        2010,
        {"C1": {"committee": [[30, 40]], "office": [[20, 25], [20, 20]], "residents": [[1, 1]]}},
        items=[("A1", 50), ("A2", 50)],
    )
    office = folder / "sheets" / "office.csv"
    office.write_text(office.read_text(encoding="utf-8").replace("20,20", "20,"), "utf-8")
    data, _report = load_year(tmp_path, "2010")
    totals = rater_totals(data)
    assert totals["total"].isna().sum() == 1
    groups = group_scores(totals, data.scheme)
    office_score = groups.set_index(["community_id", "group"]).loc[("C1", "office"), "score"]
    assert math.isnan(office_score)


# --- trim -------------------------------------------------------------------------


def test_trim_drops_one_highest_and_one_lowest() -> None:
    totals = totals_frame({("C1", "residents"): [50, 60, 70, 70, 70, 80, 99]})
    result = group_scores(totals, scheme(trim=1, trim_min=5)).iloc[0]
    assert result["raters"] == 7
    assert result["used"] == 5
    assert result["score"] == pytest.approx(70.0)
    mask = trim_mask(totals, scheme(trim=1, trim_min=5))
    assert sorted(totals.loc[mask, "total"]) == [50, 99]


def test_trim_with_ties_drops_exactly_trim_rows_each_end() -> None:
    totals = totals_frame({("C1", "office"): [90, 60, 60, 90, 70, 60, 80]})
    mask = trim_mask(totals, scheme(trim=1, trim_min=5))
    assert int(mask.sum()) == 2
    assert sorted(totals.loc[mask, "total"]) == [60, 90]
    score = group_scores(totals, scheme(trim=1, trim_min=5))["score"].iloc[0]
    assert score == pytest.approx((60 + 60 + 70 + 80 + 90) / 5)
    # the same rows every time: ties are cut by rater_id
    assert mask.equals(trim_mask(totals, scheme(trim=1, trim_min=5)))


def test_trim_only_in_groups_with_more_than_trim_min_raters() -> None:
    totals = totals_frame(
        {
            ("C1", "office"): [10, 20, 30, 40, 50],  # 5 raters: not more than 5
            ("C1", "residents"): [10, 20, 30, 40, 50, 60],  # 6: trimmed
        }
    )
    groups = group_scores(totals, scheme(trim=1, trim_min=5)).set_index("group")
    assert groups.loc["office", "used"] == 5
    assert groups.loc["office", "score"] == pytest.approx(30.0)
    assert groups.loc["residents", "used"] == 4
    assert groups.loc["residents", "score"] == pytest.approx(35.0)


def test_trim_zero_keeps_everything_and_never_empties_a_group() -> None:
    totals = totals_frame({("C1", "office"): [10, 20, 30, 40]})
    assert not trim_mask(totals, scheme(trim=0)).any()
    # trim 2 of each end from 4 raters would leave none: not trimmed at all
    assert not trim_mask(totals, scheme(trim=2, trim_min=3)).any()


def test_trim_works_per_community_and_group() -> None:
    totals = totals_frame(
        {
            ("C1", "residents"): [1, 2, 3, 4, 5, 6],
            ("C2", "residents"): [60, 50, 40, 30, 20, 10],
        }
    )
    mask = trim_mask(totals, scheme(trim=1, trim_min=5))
    assert sorted(totals.loc[mask, "total"]) == [1, 6, 10, 60]


def test_group_scores_with_community_ids_lists_every_group() -> None:
    totals = totals_frame({("C1", "office"): [80, 90]})
    groups = group_scores(totals, scheme(), community_ids=["C1", "C2"])
    assert len(groups) == 6
    c2 = groups[groups["community_id"].eq("C2")]
    assert c2["raters"].tolist() == [0, 0, 0]
    assert c2["score"].isna().all()
    office = groups[(groups["community_id"] == "C1") & (groups["group"] == "office")].iloc[0]
    assert office["score"] == pytest.approx(85.0)
    assert office["expected"] == 10
    assert bool(office["short"]) is True


# --- rounding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (90.125, 90.13),
        (90.12499999999999, 90.13),  # the float sum of a total that is 90.125
        (92.44999999999999, 92.45),  # 2009 sample, NMF03
        (2.675, 2.68),  # round(2.675, 2) == 2.67 in floats
        (1.005, 1.01),
        (86.49916666666665, 86.50),
        (0.004999, 0.0),
        (100.0, 100.0),
    ],
)
def test_round_half_up(value: float, expected: float) -> None:
    assert round_half_up(pd.Series([value])).iloc[0] == expected


def test_round_half_up_keeps_nan() -> None:
    assert round_half_up(pd.Series([float("nan")])).isna().all()


@given(st.integers(min_value=0, max_value=10_000_000))
def test_round_half_up_agrees_with_exact_decimal(thousandths: int) -> None:
    """Any value with 3 decimals, even stored as an inexact float, rounds as its decimal."""
    value = thousandths / 1000
    exact = (Decimal(thousandths) / 1000).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert round_half_up(pd.Series([value])).iloc[0] == float(exact)


def test_half_up_trap_in_the_weighted_total() -> None:
    """committee 90.6667, office 91.1, residents 89.8: exactly 90.125 -> 90.13."""
    totals = totals_frame(
        {
            ("C1", "committee"): [91, 90, 91],
            ("C1", "office"): [91.1] * 10,
            ("C1", "residents"): [89.8] * 30,
        }
    )
    result = weighted_totals(group_scores(totals, scheme(), ["C1"]), scheme()).iloc[0]
    assert result["total_exact"] == pytest.approx(90.125)
    assert result["total"] == 90.13


# --- weighted totals --------------------------------------------------------------


def test_weighted_total_and_missing_groups() -> None:
    totals = totals_frame(
        {
            ("C1", "committee"): [80],
            ("C1", "office"): [70] * 10,
            ("C1", "residents"): [60] * 30,
            ("C2", "office"): [70] * 10,
            ("C2", "residents"): [60] * 30,
        }
    )
    frame = weighted_totals(group_scores(totals, scheme(), ["C1", "C2"]), scheme())
    frame = frame.set_index("community_id")
    assert frame.loc["C1", "total"] == pytest.approx(0.15 * 80 + 0.15 * 70 + 0.7 * 60)
    assert bool(frame.loc["C1", "complete"]) is True
    assert frame.loc["C1", "missing"] == []
    assert bool(frame.loc["C2", "complete"]) is False
    assert frame.loc["C2", "missing"] == ["committee"]
    assert math.isnan(frame.loc["C2", "total"])
    assert frame.loc["C2", "office"] == 70


def test_short_group_is_incomplete() -> None:
    totals = totals_frame(
        {("C1", "committee"): [80], ("C1", "office"): [70] * 9, ("C1", "residents"): [60] * 30}
    )
    row = weighted_totals(group_scores(totals, scheme(), ["C1"]), scheme()).iloc[0]
    assert bool(row["complete"]) is False
    assert row["missing"] == []
    assert math.isnan(row["total"])


# --- evaluate ---------------------------------------------------------------------


SMALL = {
    "C1": {"committee": [90], "office": [90, 92], "residents": [88, 90, 92]},
    "C2": {"committee": [80], "office": [80, 82], "residents": [78, 80, 82]},
    "C3": {"committee": [70], "office": [70, 72], "residents": [68, 70, 72]},
    "C4": {"committee": [95], "office": [95, 97], "residents": [93, 95, 97]},
}


def test_a_total_a_hair_below_a_half_way_point_is_rounded_down(tmp_path: Path) -> None:
    """Weights of a third to ten decimals; the residents' mean after the trim is 80.005:
    the exact total is 80.014999999999, published 80.01. Taken to nine decimals first,
    the float total (80.015000000) was published 80.02."""
    write_year(
        tmp_path,
        2010,
        {"C1": {"committee": [80.00], "office": [80.04], "residents": [10, 80.00, 80.01, 99]}},
        scheme={
            "weights": {
                "committee": 0.3333333333,
                "office": 0.3333333333,
                "residents": 0.3333333334,
            },
            "scoring": {"trim": 1, "trim_min": 2},
        },
    )
    frame = evaluate(loaded(tmp_path)).communities
    assert frame["total_exact"].iloc[0] == pytest.approx(80.015, abs=1e-9)
    assert frame["total"].iloc[0] == 80.01


def test_evaluate_fills_every_frame(tmp_path: Path) -> None:
    write_year(
        tmp_path,
        2010,
        SMALL,
        flags=[("C4", "发生重大刑事案件")],
        scheme={"rewards": {"five": 1000, "four": 500}},
    )
    data = loaded(tmp_path)
    evaluation = evaluate(data, generated_at="2010-12-31T00:00:00+08:00")
    frame = evaluation.communities
    assert frame["community_id"].tolist() == ["C1", "C2", "C3", "C4"]
    assert frame["rank"].tolist()[:3] == [1, 2, 3]
    assert pd.isna(frame["rank"].iloc[3])
    assert frame["stars"].tolist()[:3] == [5, 4, 3]
    assert frame["disqualified"].tolist() == [[], [], [], ["major_crime"]]
    assert frame["reward"].tolist()[:2] == [1000.0, 500.0]
    assert math.isnan(frame["reward"].iloc[2])  # no amount for three stars
    assert evaluation.flags.to_dict("records")[0]["wording"] == "发生重大刑事案件"
    assert evaluation.flags["flag_code"].tolist() == ["major_crime"]
    assert len(evaluation.groups) == 12
    assert "trimmed" in evaluation.raters
    files = {entry["file"] for entry in evaluation.inputs}
    assert {"communities.csv", "criteria.csv", "sheets/office.csv", "flags.csv"} <= files
    assert all(len(str(entry["sha256"])) == 64 for entry in evaluation.inputs)
    assert evaluation.tool_version
    assert evaluation.generated_at == "2010-12-31T00:00:00+08:00"
    records = evaluation.to_records()
    assert records[3]["rank"] is None and records[3]["stars"] is None


def test_compare_marks_up_down_same_new(tmp_path: Path) -> None:
    write_year(tmp_path, 2010, SMALL, flags=[("C4", "major_crime")])
    later = dict(SMALL)
    later["C1"] = SMALL["C3"]
    later["C3"] = SMALL["C1"]
    later["C5"] = SMALL["C2"]
    write_year(tmp_path, 2011, later, flags=[("C2", "major_crime")])
    before = evaluate(loaded(tmp_path, "2010"))
    after = compare(evaluate(loaded(tmp_path, "2011")), before)
    change = dict(zip(after.communities["community_id"], after.communities["change"], strict=True))
    # 2010: C1 5, C2 4, C3 3, C4 disqualified; 2011: C4 5, C3 5, C5 4, C1 3, C2 disqualified
    assert change == {"C4": "new", "C3": "up", "C5": "new", "C1": "down", "C2": "down"}
    previous = after.communities.set_index("community_id")["previous_stars"]
    assert previous["C3"] == 3
    assert pd.isna(previous["C4"])
