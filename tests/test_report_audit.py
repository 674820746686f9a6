"""An auditor redoes every number of the Excel report from the workbook alone.

The report of `rank --output` is opened with openpyxl (data_only=True) and, using only
what the workbook holds and shows (the weights, trim rule and star policy the audit sheet
states, the rater totals and which were trimmed, each cell read as its number format
shows it), the group scores, weighted totals, ranks, stars and rewards are worked out
again in exact arithmetic (fractions, decimal half-up) and compared with the ranking.
Nothing from starcommunity is imported but the CLI app that writes the report.

What the report cannot give: the item scores behind a rater's total (the Evaluation
does not hold them). The rater totals sheet names the file and row of each total, and
the audit sheet the SHA-256 of every input, so for a generated year the auditor checks
the file against its fingerprint and adds the items of the row cited.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from typer.testing import CliRunner

from starcommunity.cli import app
from tests.yearfolder import write_year

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

# What the auditor reads the headers as, in each language of the report.
HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "sheet_ranking": "排名",
        "sheet_chart": "图表",
        "sheet_groups": "分组得分",
        "sheet_raters": "评分人得分",
        "sheet_audit": "审计",
        "rank": "名次",
        "community_id": "社区编号",
        "total": "总分",
        "total_exact": "总分（未舍入）",
        "stars": "星级",
        "stars_text": "星级（★）",
        "disqualified": "取消资格情形",
        "reward": "奖励金额（元）",
        "note": "说明",
        "group": "评分组",
        "raters": "评分人数",
        "used": "计分人数（去掉最高最低分后）",
        "score": "得分",
        "rater_id": "评分人编号",
        "rater_total": "评分合计",
        "trimmed": "是否去掉",
        "file": "来源文件",
        "row": "行号",
        "yes": "是",
        "no": "否",
        "method": "计算方法",
    },
    "en": {
        "sheet_ranking": "Ranking",
        "sheet_chart": "Chart",
        "sheet_groups": "Group scores",
        "sheet_raters": "Rater totals",
        "sheet_audit": "Audit",
        "rank": "Rank",
        "community_id": "Community ID",
        "total": "Total",
        "total_exact": "Total (unrounded)",
        "stars": "Stars",
        "stars_text": "Stars (★)",
        "disqualified": "Disqualified for",
        "reward": "Reward",
        "note": "Note",
        "group": "Rater group",
        "raters": "Raters",
        "used": "Used (after trimming)",
        "score": "Score",
        "rater_id": "Rater ID",
        "rater_total": "Rater total",
        "trimmed": "Trimmed",
        "file": "Source file",
        "row": "Row",
        "yes": "yes",
        "no": "no",
        "method": "How each number is computed",
    },
}
# A group's weight in the ranking's header: "区农委评分（15%）", "Area office (15%)".
WEIGHT_HEADER = {
    "zh": re.compile(r"^(?P<group>.+)评分（(?P<percent>[0-9.]+)%）$"),
    "en": re.compile(r"^(?P<group>.+) \((?P<percent>[0-9.]+)%\)$"),
}
LEVELS = {"five": 5, "four": 4, "three": 3}
EXCEL = Context(prec=15)  # Excel shows a number from its 15 significant digits
CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------
# reading cells as Excel shows them


def shown(cell: Cell) -> Decimal | None:
    """The number as Excel displays the cell, from its number format."""
    value = cell.value
    if value is None:
        return None
    assert isinstance(value, (int, float)) and not isinstance(value, bool), cell.coordinate
    fmt = cell.number_format
    exact = EXCEL.create_decimal(repr(value))
    if fmt == "General":
        return exact.normalize()
    match = re.fullmatch(r"(?:#,##)?0(?:\.(?P<zeros>0*)(?P<hashes>#*))?", fmt)
    assert match, f"{cell.coordinate}: an auditor cannot read the number format {fmt!r}"
    places = len(match["zeros"] or "") + len(match["hashes"] or "")
    return exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def half_up(value: Fraction, places: int) -> Decimal:
    scaled = value * 10**places
    whole = math.floor(scaled + Fraction(1, 2))
    return Decimal(whole).scaleb(-places)


def table(worksheet: Any, header_row: int = 1) -> tuple[dict[str, int], list[tuple[Cell, ...]]]:
    """Header -> column index (0-based), and the rows under it down to the first blank."""
    header = [cell.value for cell in worksheet[header_row]]
    columns = {str(value): index for index, value in enumerate(header) if value is not None}
    rows = []
    for row in worksheet.iter_rows(min_row=header_row + 1):
        if all(cell.value is None for cell in row):
            break
        rows.append(row)
    return columns, rows


# ---------------------------------------------------------------------------------------
# the auditor


@dataclass
class Audit:
    """What the audit sheet states: the scheme, in the report's words."""

    items: dict[str, tuple[Any, Any]]  # key -> (value, meaning)
    method: list[str] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)  # file -> sha256

    def value(self, key: str) -> Any:
        assert key in self.items, f"the audit sheet does not state {key}"
        return self.items[key][0]

    def decimal(self, key: str) -> Decimal:
        value = self.value(key)
        assert isinstance(value, (int, float)), (key, value)
        return Decimal(repr(value))


def read_audit(worksheet: Any, words: dict[str, str]) -> Audit:
    items: dict[str, tuple[Any, Any]] = {}
    rows = list(worksheet.iter_rows())
    position = 1  # row 1 is the header
    while position < len(rows) and rows[position][0].value is not None:
        row = rows[position]
        meaning = row[2].value if len(row) > 2 else None
        items[str(row[0].value)] = (row[1].value, meaning)
        position += 1
    audit = Audit(items)
    # the sections below: titled tables (the method, the input files)
    while position < len(rows):
        title = rows[position][0].value
        if title == words["method"]:
            position += 2  # title, header
            while position < len(rows) and rows[position][0].value is not None:
                audit.method.append(str(rows[position][1].value))
                position += 1
        elif title is not None and position + 1 < len(rows):
            header = [cell.value for cell in rows[position + 1]]
            if "SHA-256" in header:
                position += 2
                while position < len(rows) and rows[position][0].value is not None:
                    audit.inputs[str(rows[position][0].value)] = str(rows[position][1].value)
                    position += 1
        position += 1
    return audit


def weights_from_report(ranking: Any, audit: Audit, lang: str) -> dict[str, Fraction]:
    """Each group's weight, by the group's name as the sheets show it.

    The ranking's header gives the share next to the name; the audit sheet gives the
    weight as written, and its meaning says which group it is: the two must agree.
    """
    from_header: dict[str, Decimal] = {}
    for cell in ranking[1]:
        match = WEIGHT_HEADER[lang].match(str(cell.value or ""))
        if match:
            from_header[match["group"]] = Decimal(match["percent"]) / 100
    assert len(from_header) == 3, "the ranking does not give every group's weight"
    from_audit: dict[str, Decimal] = {}
    for key, (value, meaning) in audit.items.items():
        if not key.startswith("weights."):
            continue
        named = [group for group in from_header if meaning and group in str(meaning)]
        assert len(named) == 1, f"{key}: which group is it? the audit sheet says {meaning!r}"
        from_audit[named[0]] = Decimal(repr(value))
    assert from_audit == from_header, (from_audit, from_header)
    assert sum(from_audit.values()) == 1
    return {group: Fraction(weight) for group, weight in from_audit.items()}


def redo(path: Path, lang: str) -> dict[str, Any]:
    """Redo every number of the report at `path`; assert each equals what it shows."""
    words = HEADERS[lang]
    workbook = load_workbook(path, data_only=True)
    assert workbook.sheetnames[:4] == [
        words["sheet_ranking"],
        words["sheet_chart"],
        words["sheet_groups"],
        words["sheet_raters"],
    ]
    audit = read_audit(workbook[words["sheet_audit"]], words)
    ranking = workbook[words["sheet_ranking"]]
    weights = weights_from_report(ranking, audit, lang)
    trim = int(audit.value("scoring.trim"))
    trim_min = int(audit.value("scoring.trim_min"))
    policy = str(audit.value("stars.policy"))
    assert audit.method, "the report does not say how its numbers are computed"

    # -- rater totals: which were trimmed, and the group scores from the others --------
    columns, rows = table(workbook[words["sheet_raters"]])
    totals: dict[tuple[str, str], list[tuple[Decimal, bool]]] = defaultdict(list)
    for row in rows:
        cell = row[columns[words["rater_total"]]]
        value = shown(cell)
        assert value is not None
        # an auditor reads the total as shown: it must be the total, not a rounding of it
        assert value == EXCEL.create_decimal(repr(cell.value)).normalize(), (
            f"{cell.coordinate}: the rater total {cell.value!r} is shown as {value} "
            f"({cell.number_format!r})"
        )
        flag = row[columns[words["trimmed"]]].value
        assert flag in (words["yes"], words["no"]), flag
        key = (
            str(row[columns[words["community_id"]]].value),
            str(row[columns[words["group"]]].value),
        )
        totals[key].append((value, flag == words["yes"]))

    means: dict[tuple[str, str], Fraction] = {}
    for key, entries in totals.items():
        ordered = sorted(total for total, _trimmed in entries)
        dropped = sorted(total for total, trimmed in entries if trimmed)
        if trim > 0 and len(entries) > trim_min and len(entries) > 2 * trim:
            assert dropped == sorted(ordered[:trim] + ordered[-trim:]), key
        else:
            assert dropped == [], key
        kept = [Fraction(total) for total, trimmed in entries if not trimmed]
        means[key] = sum(kept, Fraction(0)) / len(kept)

    columns, rows = table(workbook[words["sheet_groups"]])
    for row in rows:
        key = (
            str(row[columns[words["community_id"]]].value),
            str(row[columns[words["group"]]].value),
        )
        entries = totals[key]
        assert row[columns[words["raters"]]].value == len(entries), key
        assert row[columns[words["used"]]].value == sum(not t for _v, t in entries), key
        assert shown(row[columns[words["score"]]]) == half_up(means[key], 4), key

    # -- the ranking: group scores, totals, ranks, stars, rewards ----------------------
    columns, rows = table(ranking)
    group_columns: dict[str, int] = {}
    for header, index in columns.items():
        if match := WEIGHT_HEADER[lang].match(header):
            group_columns[match["group"]] = index
    published: dict[str, Decimal] = {}
    qualified: list[str] = []
    by_id: dict[str, tuple[Cell, ...]] = {}
    for row in rows:
        community = str(row[columns[words["community_id"]]].value)
        by_id[community] = row
        for group, index in group_columns.items():
            assert row[index].number_format == "0.0000", (community, group)
            assert shown(row[index]) == half_up(means[(community, group)], 4), (community, group)
        exact = sum((weights[g] * means[(community, g)] for g in weights), Fraction(0))
        total = row[columns[words["total"]]]
        assert total.number_format == "0.00", community
        assert shown(total) == half_up(exact, 2), (community, total.value, float(exact))
        assert total.value == float(half_up(exact, 2)), community  # and the cell holds it
        unrounded = row[columns[words["total_exact"]]]
        assert shown(unrounded) == half_up(exact, 6), (community, unrounded.value)
        published[community] = half_up(exact, 2)
        disqualified = row[columns[words["disqualified"]]].value
        note = row[columns[words["note"]]].value
        if not disqualified and not note:
            qualified.append(community)

    n = len(qualified)
    ranks = {c: 1 + sum(published[o] > published[c] for o in qualified) for c in qualified}
    if policy == "thirds":
        five = math.ceil(Fraction(n, 3))
        four = math.ceil(Fraction(n - five, 2))
    elif policy == "shares":
        five_share = audit.decimal("stars.shares.five")
        four_share = audit.decimal("stars.shares.four")
        five = math.ceil(n * five_share)
        four = math.ceil(n * (five_share + four_share)) - five
    rewards = {
        LEVELS[key.split(".")[1]]: value
        for key, (value, _meaning) in audit.items.items()
        if key.startswith("rewards.")
    }
    stars_of: dict[str, int | None] = {}
    for community, row in by_id.items():
        rank = ranks.get(community)
        assert row[columns[words["rank"]]].value == rank, community
        stars: int | None = None
        if rank is not None and policy == "thresholds":
            total = published[community]
            for level in ("three", "four", "five"):
                if total >= audit.decimal(f"stars.thresholds.{level}"):
                    stars = LEVELS[level]
        elif rank is not None:
            stars = 5 if rank <= five else 4 if rank <= five + four else 3
        stars_of[community] = stars
        assert row[columns[words["stars"]]].value == stars, community
        assert row[columns[words["stars_text"]]].value == ("★" * stars if stars else None)
        if rewards:
            reward = row[columns[words["reward"]]]
            assert reward.value == (rewards.get(stars) if stars else None), community

    # the chart's data table copies each published total once
    columns, rows = table(workbook[words["sheet_chart"]])
    for row in rows:
        community = str(row[columns[words["community_id"]]].value)
        values = [shown(cell) for cell in row[2:] if cell.value is not None]
        assert values == [published[community]], community

    return {
        "audit": audit,
        "published": published,
        "ranks": ranks,
        "stars": stars_of,
        "means": means,
        "weights": weights,
    }


# ---------------------------------------------------------------------------------------
# the reports


def rank_report(root: Path, year: str, lang: str, target: Path) -> Path:
    result = CliRunner().invoke(
        app,
        ["rank", "--root", str(root), "--year", year, "--lang", lang, "--output", str(target)],
    )
    assert result.exit_code == 0, result.output
    return target


# T1 puts the trap on a half-way point: committee keeps 90, office keeps 90, 90, 91
# (a mean of 90.3333...), residents keep 80.05 twice; 13.5 + 13.55 + 56.035 = 83.085,
# published 83.09. From the four decimals the group sheet shows (90.3333) it comes to
# 83.084995, 83.08: the auditor must work from the rater totals. T2 has a rater total
# of three decimals (40.125 + 40 = 80.125) that two decimals would show as 80.13.
TRIMMED_YEAR: dict[str, dict[str, list[Any]]] = {
    "T1": {
        "committee": [95, 90, 85],
        "office": [70, 90, 90, 91, 99],
        "residents": [80, 80.05, 80.05, 81],
    },
    "T2": {
        "committee": [88, 88, 88],
        "office": [85, 85, 85, 85, 85],
        "residents": [[40.125, 40], [40, 40], [41, 41], [39, 39]],
    },
    "T3": {
        "committee": [88, 88, 88],
        "office": [85, 85, 85, 85, 85],
        "residents": [[40, 40.125], [40, 40], [41, 41], [39, 39]],
    },
    "T4": {
        "committee": [70, 71, 72],
        "office": [70, 70, 70, 70, 71],
        "residents": [70, 70, 70, 72],
    },
    "T5": {
        "committee": [99, 99, 99],
        "office": [99, 99, 99, 99, 99],
        "residents": [99, 99, 99, 99],
    },
}
ITEMS = (("A1", 50.0), ("A2", 50.0))


def trimmed_year(root: Path, policy: dict[str, object]) -> Path:
    return write_year(
        root,
        2010,
        TRIMMED_YEAR,
        flags=[("T5", "major_accident")],
        scheme={
            "scoring": {"trim": 1, "trim_min": 2},
            "stars": policy,
            "rewards": {"five": 300, "four": 200, "three": 100},
        },
        items=ITEMS,
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_samples_2008_redone_from_the_report(tmp_path: Path, lang: str) -> None:
    root = tmp_path / "root"
    shutil.copytree(SAMPLES / "2008", root / "2008")
    path = rank_report(root, "2008", lang, tmp_path / f"2008-{lang}.xlsx")
    result = redo(path, lang)
    assert result["published"]["NMF01"] == Decimal("90.13")  # 90.125 exactly, half up
    assert result["ranks"]["NMF06"] == 1 and "NMF05" not in result["ranks"]
    assert result["stars"]["NMF05"] is None  # disqualified


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "policy",
    [
        {"policy": "thirds"},
        {"policy": "shares", "five": 0.25, "four": 0.5},
        {"policy": "thresholds", "five": 83, "four": 80, "three": 75},
    ],
    ids=["thirds", "shares", "thresholds"],
)
def test_trimmed_year_redone_from_the_report(
    tmp_path: Path, lang: str, policy: dict[str, object]
) -> None:
    trimmed_year(tmp_path, policy)
    path = rank_report(tmp_path, "2010", lang, tmp_path / f"2010-{lang}.xlsx")
    result = redo(path, lang)
    assert result["published"] == {
        "T1": Decimal("83.09"),
        "T2": Decimal("81.99"),  # 13.2 + 12.75 + 0.7 x 80.0625 = 81.99375
        "T3": Decimal("81.99"),
        "T4": Decimal("70.15"),  # 71 x 0.15 + 70 x 0.15 + 70 x 0.7
        "T5": Decimal("99.00"),
    }
    assert result["ranks"] == {"T1": 1, "T2": 2, "T3": 2, "T4": 4}
    expected = {
        "thirds": [5, 5, 5, 3],  # n = 4: five = 2 reaches the tie at rank 2
        "shares": [5, 4, 4, 3],  # five = ceil(4 x 0.25) = 1, four = ceil(3) - 1 = 2
        "thresholds": [5, 4, 4, None],  # 70.15 is below 75: ranked, no star
    }[str(policy["policy"])]
    assert [result["stars"][c] for c in ("T1", "T2", "T3", "T4")] == expected
    # the trap: from the group scores as shown, T1's total misses by a cent
    weights, means = result["weights"], result["means"]
    from_shown = sum(
        (Decimal(w.numerator) / w.denominator * half_up(means[("T1", g)], 4))
        for g, w in weights.items()
    )
    assert from_shown.quantize(CENT, ROUND_HALF_UP) == Decimal("83.08")
    text = " ".join(result["audit"].method)
    assert ("四舍五入" if lang == "zh" else "half up") in text


def test_rater_totals_redone_from_the_cited_source_rows(tmp_path: Path) -> None:
    """The report holds no item scores: the auditor follows each total to its file and
    row, after checking the file against the SHA-256 the audit sheet gives."""
    folder = trimmed_year(tmp_path, {"policy": "thirds"})
    path = rank_report(tmp_path, "2010", "en", tmp_path / "2010.xlsx")
    workbook = load_workbook(path, data_only=True)
    audit = read_audit(workbook["Audit"], HEADERS["en"])
    items = [item for item, _maximum in ITEMS]
    columns, rows = table(workbook["Rater totals"])
    assert rows
    for row in rows:
        name = str(row[columns["Source file"]].value)
        source = folder / name
        assert hashlib.sha256(source.read_bytes()).hexdigest() == audit.inputs[name]
        with source.open(encoding="utf-8", newline="") as handle:
            lines = list(csv.reader(handle))
        header, line = lines[0], lines[int(row[columns["Row"]].value) - 1]
        assert line[header.index("rater_id")] == row[columns["Rater ID"]].value
        total = sum((Decimal(line[header.index(item)]) for item in items), Decimal(0))
        assert shown(row[columns["Rater total"]]) == total
