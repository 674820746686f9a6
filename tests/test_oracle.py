"""An independent oracle for `starcommunity rank` (SPEC sections 2, 3 and 5).

The oracle below re-does SPEC section 3 straight from the files of a year folder with
the standard library (csv, tomllib, decimal, fractions) and openpyxl: no module of
`starcommunity` is imported except the CLI app, which is what is checked. Arithmetic
is exact (item scores as Decimal, means and weighted totals as Fraction, weights read
from scheme.toml as Decimal), so "round half-up to 2 decimals" is applied to the
exact total, with no float in between.

Compared, for every community: committee / office / residents (to 1e-9), total
(exactly, after rounding), rank, stars, disqualified, and the order of the JSON array.

Readings chosen where SPEC is not explicit (the tool agrees with each):
- Ranking uses the published (rounded) totals: equal published totals share a rank.
- thresholds compare the published (rounded) total with the minimum (total >= minimum).
- Disqualified and incomplete communities have no rank, no star and are not counted
  in n. They keep their group scores; a disqualified one keeps its total, an
  incomplete one has none (null).
- Order of the array (SPEC only says "best first"): ranked communities by rank, ties
  by community_id; then the unranked, by total (highest first, null last), then
  community_id. This follows the tool's documented behaviour (scoring.evaluate).
- trim: in a group with more than trim_min raters, drop the `trim` lowest and `trim`
  highest totals (which of two equal totals is dropped does not change the mean).
- A community missing a weighted group is incomplete: `rank` exits 1 (SPEC section 5:
  "1 the data is wrong (... incomplete groups ...)") and prints the problem report,
  not the ranking; there the oracle checks `score --format json` for the totals.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from starcommunity.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
GROUPS = ("committee", "office", "residents")
CENT = Fraction(1, 100)

# --- reading a year folder (SPEC sections 2 and 6), independently -----------------

HEADER_ZH = {
    "社区编号": "community_id",
    "社区名称": "name",
    "地区": "area",
    "指标编号": "item_id",
    "类别": "category",
    "指标名称": "name",
    "分值": "max_points",
    "居民编号": "resident_id",
    "姓名": "name",
    "户号": "household",
    "小区": "compound",
    "是否有资格": "eligible",
    "评分组": "group",
    "评分人编号": "rater_id",
    "评分人姓名": "rater_name",
    "取消资格情形": "flag",
    "日期": "date",
    "备注": "note",
}
KNOWN_HEADERS = set(HEADER_ZH.values()) | {"order", "role"}
GROUP_ZH = {"区农委": "committee", "办事处": "office", "居民代表": "residents"}
FLAG_ZH = {
    "社区专职工作者严重违法违纪": "worker_misconduct",
    "与法轮功邪教组织斗争不力": "anti_cult_failure",
    "出现超计划生育": "over_quota_birth",
    "出现居民集体上访并造成恶劣影响": "collective_petition",
    "发生重大刑事案件": "major_crime",
    "发生重大安全事故": "major_accident",
}


def text(value: object) -> str:
    """A cell as text, NFKC-normalised (full-width digits), stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def decode(raw: bytes) -> str:
    """SPEC 6: a BOM first, then strict UTF-8, then GB18030."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def sheets_of(path: Path) -> list[list[list[object]]]:
    """Every sheet of a file as rows of cells (a CSV file is one sheet)."""
    if path.suffix.lower() == ".csv":
        return [[list(row) for row in csv.reader(io.StringIO(decode(path.read_bytes())))]]
    workbook = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook]
    finally:
        workbook.close()


def records(path: Path, extra_headers: Mapping[str, str] | None = None) -> list[dict[str, object]]:
    """Rows below the header row (the first row with two known headers), as dicts.

    Headers are the English names, the Chinese ones, or (score sheets) an item's id
    or name, given in ``extra_headers`` as {header: column}. Title rows and blank
    rows above the header, and blank rows below it, are skipped.
    """
    extra = dict(extra_headers or {})
    out: list[dict[str, object]] = []
    for rows in sheets_of(path):
        header: list[str] | None = None
        for row in rows:
            cells = [text(c) for c in row]
            if header is None:
                names = [HEADER_ZH.get(c, extra.get(c, c)) for c in cells]
                if sum(1 for n in names if n in KNOWN_HEADERS) >= 2:
                    header = names
                continue
            if not any(cells):
                continue
            out.append({h: v for h, v in zip(header, row, strict=False) if h})
    return out


@dataclass
class Scheme:
    weights: dict[str, Decimal]
    raters: dict[str, int]
    trim: int
    trim_min: int
    policy: str
    levels: dict[str, Decimal]  # shares (five, four) or thresholds (five, four, three)


def read_scheme(folder: Path) -> Scheme:
    """scheme.toml with every float read as the Decimal written (0.15, not 0.1499...)."""
    path = folder / "scheme.toml"
    raw: dict[str, Any] = {}
    if path.exists():
        raw = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    weights = {
        "committee": Decimal("0.15"),
        "office": Decimal("0.15"),
        "residents": Decimal("0.70"),
    }
    if "weights" in raw:
        weights = {g: Decimal(raw["weights"].get(g, 0)) for g in GROUPS}
    assert sum(weights.values()) == 1, weights
    raters = {"residents": 30, "office": 10, "committee": 1} | raw.get("raters", {})
    scoring = raw.get("scoring", {})
    stars = raw.get("stars", {})
    policy = stars.get("policy", "thirds")
    if policy == "shares":
        levels = {"five": Decimal("0.2"), "four": Decimal("0.3")}
        levels |= {k: Decimal(stars[k]) for k in ("five", "four") if k in stars}
    else:
        levels = {"five": Decimal(90), "four": Decimal(80), "three": Decimal(60)}
        levels |= {k: Decimal(stars[k]) for k in ("five", "four", "three") if k in stars}
    return Scheme(
        weights=weights,
        raters=raters,
        trim=int(scoring.get("trim", 0)),
        trim_min=int(scoring.get("trim_min", 5)),
        policy=policy,
        levels=levels,
    )


def only_file(folder: Path, stem: str) -> Path | None:
    found = [folder / f"{stem}{ext}" for ext in (".csv", ".xlsx")]
    found = [p for p in found if p.exists()]
    assert len(found) <= 1, found
    return found[0] if found else None


def number(value: object) -> Decimal:
    """A score cell: a number, or text holding one (NFKC); blank is an error."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    cell = text(value)
    assert cell, "a blank score cell is an error, not a zero (SPEC 3.1)"
    return Decimal(cell)


@dataclass
class Community:
    community_id: str
    name: str
    area: str
    groups: dict[str, Fraction | None] = field(default_factory=dict)
    raters: dict[str, int] = field(default_factory=dict)
    complete: bool = True
    exact: Fraction | None = None
    total: Decimal | None = None  # published: half-up to 2 decimals
    disqualified: list[str] = field(default_factory=list)
    rank: int | None = None
    stars: int | None = None


def half_up(value: Fraction) -> Decimal:
    """Round half-up to 2 decimals, exactly (totals are never negative)."""
    assert value >= 0
    cents = math.floor(value / CENT + Fraction(1, 2))
    return Decimal(cents).scaleb(-2)


def oracle(folder: Path) -> list[Community]:
    """SPEC section 3 for one year folder, best first (order as in the module doc)."""
    scheme = read_scheme(folder)
    communities: dict[str, Community] = {}
    path = only_file(folder, "communities")
    assert path is not None
    for row in records(path):
        cid = text(row["community_id"])
        communities[cid] = Community(cid, text(row["name"]), text(row["area"]))

    path = only_file(folder, "criteria")
    assert path is not None
    items: dict[str, Decimal] = {}
    by_header: dict[str, str] = {}
    for row in records(path):
        item = text(row["item_id"])
        items[item] = number(row["max_points"])
        by_header[item] = item
        by_header[text(row["name"])] = item

    # 3.1 rater totals
    totals: dict[tuple[str, str], list[Decimal]] = {}
    for sheet in sorted((folder / "sheets").iterdir()):
        if sheet.suffix.lower() not in (".csv", ".xlsx") or sheet.name.startswith("~$"):
            continue
        for row in records(sheet, by_header):
            group = text(row["group"])
            group = GROUP_ZH.get(group, group)
            assert group in GROUPS, group
            scores = [number(row[item]) for item in items]
            for score, maximum in zip(scores, items.values(), strict=True):
                assert 0 <= score <= maximum, (score, maximum)
            totals.setdefault((text(row["community_id"]), group), []).append(sum(scores))

    flags_path = only_file(folder, "flags")
    if flags_path is not None:
        for row in records(flags_path):
            flag = text(row["flag"]).replace('"', "").replace("“", "").replace("”", "")
            code = FLAG_ZH.get(flag, flag)
            reasons = communities[text(row["community_id"])].disqualified
            if code not in reasons:
                reasons.append(code)

    # 3.2 group scores, 3.3 weighted total, 3.4 half-up
    needed = [g for g in GROUPS if scheme.weights[g] > 0 or scheme.raters.get(g, 0) > 0]
    for c in communities.values():
        for group in GROUPS:
            group_totals = sorted(totals.get((c.community_id, group), []))
            c.raters[group] = len(group_totals)
            if scheme.trim > 0 and len(group_totals) > scheme.trim_min:
                group_totals = group_totals[scheme.trim : len(group_totals) - scheme.trim]
            c.groups[group] = (
                Fraction(sum(group_totals)) / len(group_totals) if group_totals else None
            )
        for group in needed:
            expected = scheme.raters.get(group, 0)
            if c.raters[group] == 0 or c.raters[group] < expected:
                c.complete = False
        if c.complete:
            c.exact = sum(
                (
                    Fraction(scheme.weights[g]) * (c.groups[g] or 0)
                    for g in GROUPS
                    if scheme.weights[g] > 0
                ),
                Fraction(0),
            )
            c.total = half_up(c.exact)

    # 3.4 competition ranking of the qualified, 3.5 stars
    qualified = [c for c in communities.values() if c.complete and not c.disqualified]
    n = len(qualified)
    for c in qualified:
        assert c.total is not None
        c.rank = 1 + sum(1 for o in qualified if o.total is not None and o.total > c.total)
    if scheme.policy == "thresholds":
        for c in qualified:
            assert c.total is not None
            for level, stars in (("five", 5), ("four", 4), ("three", 3)):
                if c.total >= scheme.levels[level]:
                    c.stars = stars
                    break
    else:
        if scheme.policy == "shares":
            five = math.ceil(n * scheme.levels["five"])
            four = math.ceil(n * (scheme.levels["five"] + scheme.levels["four"])) - five
        else:
            assert scheme.policy == "thirds"
            five = math.ceil(Fraction(n, 3))
            four = math.ceil(Fraction(n - five, 2))
        for c in qualified:
            assert c.rank is not None
            c.stars = 5 if c.rank <= five else 4 if c.rank <= five + four else 3

    ranked = sorted(
        (c for c in communities.values() if c.rank is not None),
        key=lambda c: (c.rank, c.community_id),
    )
    unranked = sorted(
        (c for c in communities.values() if c.rank is None),
        key=lambda c: (c.total is None, -(c.total or 0), c.community_id),
    )
    return ranked + unranked


# --- the tool ---------------------------------------------------------------------


def invoke(command: str, root: Path, year: str) -> tuple[int, Any]:
    result = CliRunner().invoke(
        app,
        [command, "--root", str(root), "--year", year, "--format", "json", "--lang", "en"],
        catch_exceptions=False,
    )
    return result.exit_code, json.loads(result.stdout)


def close(tool: float | None, exact: Fraction | None) -> bool:
    if tool is None or exact is None:
        return tool is None and exact is None
    return abs(Fraction(tool) - exact) <= Fraction(1, 10**9)


def assert_same(tool: list[dict[str, Any]], expected: list[Community]) -> None:
    """Every community, field by field, and the order of the array."""
    assert [r["community_id"] for r in tool] == [c.community_id for c in expected]
    for record, c in zip(tool, expected, strict=True):
        where = c.community_id
        assert (record["name"], record["area"]) == (c.name, c.area), where
        for group in GROUPS:
            assert close(record[group], c.groups[group]), (where, group, record[group])
        got = None if record["total"] is None else Decimal(repr(record["total"]))
        assert got == c.total, (where, record["total"], c.total, c.exact)
        assert record["rank"] == c.rank, (where, record["rank"], c.rank)
        assert record["stars"] == c.stars, (where, record["stars"], c.stars)
        assert record["disqualified"] == c.disqualified, where


# --- 1. the samples ------------------------------------------------------------------


@pytest.mark.parametrize("year", ["2008", "2009"])
def test_samples_agree_with_the_oracle(year: str) -> None:
    code, tool = invoke("rank", SAMPLES, year)
    assert code == 0
    expected = oracle(SAMPLES / year)
    assert len(expected) == 9
    for c in expected:  # every sheet, every format, was read
        assert c.raters == {"committee": 3, "office": 10, "residents": 30}, c.community_id
    assert_same(tool, expected)
    if year == "2008":
        by_id = {c.community_id: c for c in expected}
        # the README's half-up trap: 90.125 exactly, 90.12 under banker's rounding
        assert by_id["NMF01"].exact == Fraction("90.125")
        assert by_id["NMF01"].total == Decimal("90.13")
        assert by_id["NMF05"].disqualified == ["major_accident"]
        assert by_id["NMF05"].rank is None and by_id["NMF05"].total == Decimal("81.73")
