"""An independent oracle for `starcommunity rank` (SPEC sections 2, 3 and 5).

The oracle below re-does SPEC section 3 straight from the files of a year folder with
the standard library (csv, tomllib, decimal, fractions) and openpyxl: no module of
`starcommunity` is imported except the CLI app, which is what is checked. Arithmetic
is exact (item scores as Decimal, means and weighted totals as Fraction, weights read
from scheme.toml as Decimal), so "round half-up to 2 decimals" is applied to the
exact total, with no float in between.

The samples (2008, 2009) are read in full by the oracle's own readers: GBK and BOM
CSV, workbooks with title and blank rows above the header, Chinese headers, item
columns headed by the item's name, numbers stored as text, a full-width digit.

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
  SPEC does not say what happens when that would empty the group (trim_min < 2 x
  trim); the tool then keeps every total. No test here reaches that case.
- A community missing a weighted group is incomplete: `rank` exits 1 (SPEC section 5:
  "1 the data is wrong (... incomplete groups ...)") and prints the problem report,
  not the ranking; there the oracle checks `score --format json` for the totals.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import tomllib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from starcommunity.cli import app
from tests.yearfolder import write_csv

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


# --- 2. generated years in the canonical CSV form ------------------------------------

ItemScores = list[Decimal]
Scores = dict[str, dict[str, list[ItemScores]]]  # community -> group -> raters
RATER_PREFIX = {"committee": "C", "office": "O"}


def write_year(
    folder: Path,
    scores: Scores,
    items: Sequence[tuple[str, Decimal]],
    scheme: str,
    flags: Sequence[tuple[str, str]] = (),
    areas: Sequence[str] = ("南磨房地区",),
) -> None:
    """communities, criteria, reps (reps + one alternate, who scores for rep #1 in
    every third community), one score sheet per group, flags, scheme.toml."""
    ids = list(scores)
    write_csv(
        folder / "communities.csv",
        ["community_id", "name", "area"],
        [[c, f"{c}社区", areas[i % len(areas)]] for i, c in enumerate(ids)],
    )
    write_csv(
        folder / "criteria.csv",
        ["item_id", "category", "name", "max_points"],
        [[item, "测试", f"指标{item}", maximum] for item, maximum in items],
    )
    reps, sheets = [], {g: [] for g in GROUPS}  # type: dict[str, list[list[object]]]
    for index, cid in enumerate(ids):
        residents = len(scores[cid].get("residents", []))
        for order in range(1, residents + 2):
            role = "rep" if order <= residents else "alternate"
            reps.append([cid, order, f"{cid}-R{order:02d}", f"居民{cid}{order}", role])
        for group in GROUPS:
            for number, rater in enumerate(scores[cid].get(group, []), start=1):
                if group == "residents":
                    if number == 1 and index % 3 == 0:
                        number = residents + 1  # the alternate came instead
                    who = f"{cid}-R{number:02d}"
                else:
                    who = f"{RATER_PREFIX[group]}{number:02d}"
                sheets[group].append([cid, group, who, f"评分人{who}", *rater])
    write_csv(folder / "reps.csv", ["community_id", "order", "resident_id", "name", "role"], reps)
    header = ["community_id", "group", "rater_id", "rater_name", *(i for i, _m in items)]
    for group, rows in sheets.items():
        if rows:
            write_csv(folder / "sheets" / f"{group}.csv", header, rows)
    if flags:
        write_csv(
            folder / "flags.csv",
            ["community_id", "flag", "date", "note"],
            [[c, flag, "2010-06-01", ""] for c, flag in flags],
        )
    (folder / "scheme.toml").write_text(scheme, encoding="utf-8")


def scheme_text(
    raters: Mapping[str, int],
    *,
    weights: Sequence[str] = ("0.15", "0.15", "0.70"),
    stars: str = 'policy = "thirds"',
    trim: int = 0,
    trim_min: int = 5,
) -> str:
    return "\n".join(
        [
            "[weights]",
            *(f"{g} = {w}" for g, w in zip(GROUPS, weights, strict=True)),
            "[raters]",
            *(f"{g} = {raters[g]}" for g in GROUPS),
            "[scoring]",
            f"trim = {trim}",
            f"trim_min = {trim_min}",
            "[stars]",
            stars,
            "",
        ]
    )


@dataclass
class Generated:
    scores: Scores
    items: list[tuple[str, Decimal]]
    raters: dict[str, int]
    flags: list[tuple[str, str]]


def generate(rng: random.Random, *, ties: bool = False) -> Generated:
    """6-40 communities, three items, random scores in steps of 0.5, 0.25 or 0.01.

    Residents and office have the same count in every community (an exact count),
    committee 1-5 raters (a minimum). With ``ties`` the communities copy one of a few
    templates, so equal totals are common, at star boundaries too.
    """
    n = rng.randint(6, 40)
    items = [("A1", Decimal(40)), ("A2", Decimal(30)), ("B1", Decimal("30"))]
    step = rng.choice([Decimal("0.5"), Decimal("0.25"), Decimal("0.01")])
    counts = {"committee": rng.randint(1, 3), "office": rng.randint(2, 7)}
    counts["residents"] = rng.randint(3, 9)

    def rater(level: float) -> ItemScores:
        out = []
        for _item, maximum in items:
            value = Decimal(repr(float(maximum) * min(1.0, rng.gauss(level, 0.08))))
            out.append(max(Decimal(0), (value / step).to_integral_value() * step))
        return out

    def community() -> dict[str, list[ItemScores]]:
        level = rng.uniform(0.55, 0.97)
        return {
            "committee": [rater(level) for _ in range(rng.randint(counts["committee"], 5))],
            "office": [rater(level) for _ in range(counts["office"])],
            "residents": [rater(level) for _ in range(counts["residents"])],
        }

    templates = [community() for _ in range(max(3, n // 4))] if ties else []
    scores: Scores = {}
    for i in range(1, n + 1):
        scores[f"G{i:02d}"] = rng.choice(templates) if ties else community()
    flagged = rng.sample(sorted(scores), rng.randint(0, 2))
    flags = [
        (c, rng.choice(["major_crime", "发生重大安全事故", "出现超计划生育"])) for c in flagged
    ]
    return Generated(scores, items, counts, flags)


def star_section(policy: str, rng: random.Random, totals: Sequence[Decimal]) -> str:
    if policy == "thirds":
        return 'policy = "thirds"'
    if policy == "shares":
        five, four = rng.choice([("0.2", "0.3"), ("0.25", "0.35"), ("0.1", "0.5"), ("0.3", "0.3")])
        return f'policy = "shares"\nfive = {five}\nfour = {four}'
    # thresholds exactly at published totals: a total equal to a minimum is at that level
    distinct = sorted(set(totals))
    distinct = distinct[1:] if len(distinct) > 1 else distinct  # someone below three
    picks = sorted(rng.sample(distinct, min(3, len(distinct))), reverse=True)
    picks += [picks[-1]] * (3 - len(picks))  # equal minima: the higher level wins
    return 'policy = "thresholds"\n' + "\n".join(
        f"{level} = {value}" for level, value in zip(("five", "four", "three"), picks, strict=True)
    )


WEIGHTS = [("0.15", "0.15", "0.70"), ("0.2", "0.3", "0.5"), ("0.1", "0.25", "0.65")]


def build(
    folder: Path, seed: int, policy: str, *, ties: bool = False, trim: bool = False
) -> list[Community]:
    rng = random.Random(seed)
    g = generate(rng, ties=ties)
    weights = rng.choice(WEIGHTS)
    trim_min = rng.choice([2, 3, 5])
    options: dict[str, Any] = {"weights": weights, "trim": int(trim), "trim_min": trim_min}
    write_year(folder, g.scores, g.items, scheme_text(g.raters, **options), g.flags, ("东", "西"))
    if policy != "thirds":  # thresholds and shares are set once the totals are known
        totals = [c.total for c in oracle(folder) if c.total is not None and c.rank]
        stars = star_section(policy, rng, totals)
        (folder / "scheme.toml").write_text(
            scheme_text(g.raters, stars=stars, **options), encoding="utf-8"
        )
    return oracle(folder)


@pytest.mark.parametrize("policy", ["thirds", "shares", "thresholds"])
@pytest.mark.parametrize("seed", range(6))
def test_generated_years(tmp_path: Path, seed: int, policy: str) -> None:
    expected = build(tmp_path / "2010", seed, policy, trim=seed % 2 == 1)
    code, tool = invoke("rank", tmp_path, "2010")
    assert code == 0, tool
    assert_same(tool, expected)
    assert any(c.stars == 5 for c in expected)
    if policy == "thresholds":  # below the three-star minimum: ranked, no star
        assert any(c.rank is not None and c.stars is None for c in expected)


@pytest.mark.parametrize("policy", ["thirds", "shares", "thresholds"])
@pytest.mark.parametrize("seed", range(10, 14))
def test_generated_years_with_ties(tmp_path: Path, seed: int, policy: str) -> None:
    expected = build(tmp_path / "2010", seed, policy, ties=True, trim=seed % 2 == 0)
    ranks = [c.rank for c in expected if c.rank is not None]
    assert len(set(ranks)) < len(ranks)  # the case is there: shared ranks
    code, tool = invoke("rank", tmp_path, "2010")
    assert code == 0, tool
    assert_same(tool, expected)


# --- 3. hand-made years for the edges ------------------------------------------------

ONE_ITEM = [("A1", Decimal(100))]
ONE_EACH = {"committee": 1, "office": 1, "residents": 1}


def flat(totals: Mapping[str, Sequence[str]], groups: Sequence[str] = GROUPS) -> Scores:
    """Each community's raters, the same list of one-item totals in every group."""
    return {c: {g: [[Decimal(t)] for t in ts] for g in groups} for c, ts in totals.items()}


@pytest.mark.parametrize("policy", ["thirds", "shares"])
def test_ties_at_both_star_boundaries(tmp_path: Path, policy: str) -> None:
    # thirds over 9: five = 3, four = 3; shares 0.3 / 0.35: five = ceil(2.7) = 3,
    # four = ceil(5.85) - 3 = 3. T03/T04 tie across the first boundary (rank 3 <= 3:
    # both five stars), T06/T07 across the second (rank 6 <= 6: both four stars).
    # T03 (84.996) and T04 (85.004) differ but publish 85.00, so they share rank 3.
    totals = {
        "T01": ["95"],
        "T02": ["90"],
        "T03": ["84.996"],
        "T04": ["85.004"],
        "T05": ["80"],
        "T06": ["75"],
        "T07": ["75"],
        "T08": ["70"],
        "T09": ["60"],
    }
    stars = (
        'policy = "thirds"' if policy == "thirds" else 'policy = "shares"\nfive = 0.3\nfour = 0.35'
    )
    raters = ONE_EACH
    write_year(tmp_path / "2010", flat(totals), ONE_ITEM, scheme_text(raters, stars=stars))
    expected = oracle(tmp_path / "2010")
    by_id = {c.community_id: c for c in expected}
    assert [c.rank for c in expected] == [1, 2, 3, 3, 5, 6, 6, 8, 9]
    assert [c.community_id for c in expected][2:4] == ["T03", "T04"]  # tie: by id
    assert by_id["T03"].total == by_id["T04"].total == Decimal("85.00")
    assert [c.stars for c in expected] == [5, 5, 5, 5, 4, 4, 4, 3, 3]
    code, tool = invoke("rank", tmp_path, "2010")
    assert code == 0
    assert_same(tool, expected)


def test_thresholds_on_published_totals(tmp_path: Path) -> None:
    # P2's exact total 79.996 publishes 80.00, which meets four = 80 (the published
    # total is compared); P4 is below three = 60: it keeps rank 4 and gets no star.
    totals = {"P1": ["90"], "P2": ["79.996"], "P3": ["60"], "P4": ["59.994"]}
    stars = 'policy = "thresholds"\nfive = 90\nfour = 80\nthree = 60'
    write_year(tmp_path / "2010", flat(totals), ONE_ITEM, scheme_text(ONE_EACH, stars=stars))
    expected = oracle(tmp_path / "2010")
    assert [(c.community_id, c.rank, c.stars) for c in expected] == [
        ("P1", 1, 5),
        ("P2", 2, 4),
        ("P3", 3, 3),
        ("P4", 4, None),
    ]
    code, tool = invoke("rank", tmp_path, "2010")
    assert code == 0
    assert_same(tool, expected)


def test_half_up_not_bankers(tmp_path: Path) -> None:
    # H1: every group's mean is 80.125 (80.12 and 80.13), so the total is 80.125.
    # H2: 0.15 x 80 + 0.15 x 80.3 + 0.7 x 80 = 80.045. H3: 70.0149 for contrast.
    # Half-up gives 80.13 and 80.05; banker's rounding would give 80.12 and 80.04.
    scores: Scores = {
        "H1": {g: [[Decimal("80.12")], [Decimal("80.13")]] for g in GROUPS},
        "H2": {g: [[Decimal(80)], [Decimal(80)]] for g in GROUPS},
        "H3": {g: [[Decimal("70.0149")], [Decimal("70.0149")]] for g in GROUPS},
    }
    scores["H2"]["office"] = [[Decimal("80.2")], [Decimal("80.4")]]
    raters = {"committee": 2, "office": 2, "residents": 2}
    write_year(tmp_path / "2010", scores, ONE_ITEM, scheme_text(raters))
    expected = oracle(tmp_path / "2010")
    by_id = {c.community_id: c for c in expected}
    assert by_id["H1"].exact == Fraction("80.125") and by_id["H1"].total == Decimal("80.13")
    assert by_id["H2"].exact == Fraction("80.045") and by_id["H2"].total == Decimal("80.05")
    assert by_id["H3"].total == Decimal("70.01")
    for cid in ("H1", "H2"):
        exact = Decimal(by_id[cid].exact.numerator) / by_id[cid].exact.denominator  # type: ignore[union-attr]
        assert exact.quantize(Decimal("0.01"), ROUND_HALF_EVEN) != by_id[cid].total
    code, tool = invoke("rank", tmp_path, "2010")
    assert code == 0
    assert_same(tool, expected)
    assert [r["rank"] for r in tool] == [1, 2, 3]  # H1 (80.13) above H2 (80.05)


def test_trim_drops_one_highest_and_lowest(tmp_path: Path) -> None:
    # trim = 1, trim_min = 3: a group of 4 raters is trimmed, a group of 3 is not.
    scores: Scores = {
        "R1": {
            "committee": [[Decimal(t)] for t in ("10", "70", "80", "100")],  # -> 75
            "office": [[Decimal(t)] for t in ("60", "70", "95")],  # not trimmed -> 75
            "residents": [[Decimal(t)] for t in ("0", "75", "75", "100")],  # -> 75
        },
        "R2": {
            "committee": [[Decimal(t)] for t in ("76", "76", "76")],
            "office": [[Decimal(t)] for t in ("76", "76", "76")],
            "residents": [[Decimal(t)] for t in ("76", "76", "76", "76")],
        },
    }
    raters = {"committee": 3, "office": 3, "residents": 4}
    write_year(tmp_path / "2010", scores, ONE_ITEM, scheme_text(raters, trim=1, trim_min=3))
    expected = oracle(tmp_path / "2010")
    r1 = next(c for c in expected if c.community_id == "R1")
    assert (r1.groups["committee"], r1.groups["office"], r1.groups["residents"]) == (75, 75, 75)
    code, tool = invoke("rank", tmp_path, "2010")
    assert code == 0
    assert_same(tool, expected)


def test_disqualified_is_not_counted_in_the_split(tmp_path: Path) -> None:
    # Seven communities, the best one disqualified: n = 6, five = 2, four = 2.
    totals = {f"D{i}": [str(100 - 5 * i)] for i in range(1, 8)}
    raters = ONE_EACH
    flags = [("D1", "与“法轮功”邪教组织斗争不力"), ("D1", "major_crime"), ("D4", "major_crime")]
    write_year(tmp_path / "2010", flat(totals), ONE_ITEM, scheme_text(raters), flags)
    expected = oracle(tmp_path / "2010")
    assert [(c.community_id, c.rank, c.stars) for c in expected] == [
        ("D2", 1, 5),
        ("D3", 2, 5),
        ("D5", 3, 4),
        ("D6", 4, 4),
        ("D7", 5, 3),
        ("D1", None, None),  # unranked after, by total
        ("D4", None, None),
    ]
    assert expected[-2].disqualified == ["anti_cult_failure", "major_crime"]
    code, tool = invoke("rank", tmp_path, "2010")
    assert code == 0
    assert_same(tool, expected)


def test_community_missing_a_group_is_not_ranked(tmp_path: Path) -> None:
    totals = {"M1": ["80"], "M2": ["90"], "M3": ["85"], "M4": ["70"]}
    scores = flat(totals)
    del scores["M3"]["office"]
    raters = ONE_EACH
    write_year(tmp_path / "2010", scores, ONE_ITEM, scheme_text(raters))
    expected = oracle(tmp_path / "2010")
    m3 = next(c for c in expected if c.community_id == "M3")
    assert not m3.complete and m3.total is None and m3.rank is None and m3.stars is None
    assert [c.community_id for c in expected] == ["M2", "M1", "M4", "M3"]
    # rank refuses (exit 1, SPEC 5) and prints the problem report instead of the ranking
    code, report = invoke("rank", tmp_path, "2010")
    assert code == 1
    assert report["valid"] is False
    assert [(e["code"], e["message"].split(":")[0]) for e in report["errors"]] == [
        ("group-missing", "M3")
    ]
    # score shows the year in progress: the same group scores and totals, M3 without one
    code, scored = invoke("score", tmp_path, "2010")
    assert code == 0
    by_id = {c.community_id: c for c in expected}
    assert sorted(r["community_id"] for r in scored) == sorted(by_id)
    for record in scored:
        c = by_id[record["community_id"]]
        for group in GROUPS:
            assert close(record[group], c.groups[group]), (c.community_id, group)
        got = None if record["total"] is None else Decimal(repr(record["total"]))
        assert got == c.total and record["complete"] == c.complete


# --- 4. past nine decimals: the tool against SPEC 3.4 / 3.5 read literally -----------
# Each case has a test of what the oracle says (so that a mistake in the oracle cannot
# hide behind the comparison) and a comparison with the tool. Both once failed: the
# tool took float totals and n x share to nine decimals before rounding, so a total a
# hair below a half-way point went up. Now totals near one are redone exactly
# (scoring.exact_near_half) and shares are taken in decimal, as written.


def near_half_year(folder: Path) -> list[Community]:
    # Every rater of A scores 80.0049999999, of B 80.0050000001 (one item, 100 points).
    scores = flat({"A": ["80.0049999999"], "B": ["80.0050000001"]})
    write_year(folder, scores, ONE_ITEM, scheme_text(ONE_EACH))
    return oracle(folder)


def test_oracle_near_half_total(tmp_path: Path) -> None:
    expected = near_half_year(tmp_path / "2010")
    assert [(c.community_id, c.total, c.rank, c.stars) for c in expected] == [
        ("B", Decimal("80.01"), 1, 5),
        ("A", Decimal("80.00"), 2, 4),
    ]


def thirds_year(folder: Path) -> list[Community]:
    # Weights of a third written to ten decimals, 2-decimal scores: A's exact total
    # is 80.014999999999 (80.00, 80.04, and the residents' mean of 80.00 and 80.01),
    # B's 80.015000000003 (80.00, 80.00, 80.045): a hair either side of 80.015.
    scores: Scores = {
        "A": {
            "committee": [[Decimal("80.00")]],
            "office": [[Decimal("80.04")]],
            "residents": [[Decimal("80.00")], [Decimal("80.01")]],
        },
        "B": {
            "committee": [[Decimal("80.00")]],
            "office": [[Decimal("80.00")]],
            "residents": [[Decimal("80.04")], [Decimal("80.05")]],
        },
    }
    weights = ("0.3333333333", "0.3333333333", "0.3333333334")
    raters = {"committee": 1, "office": 1, "residents": 2}
    write_year(folder, scores, ONE_ITEM, scheme_text(raters, weights=weights))
    return oracle(folder)


def test_oracle_thirds_total(tmp_path: Path) -> None:
    expected = thirds_year(tmp_path / "2010")
    assert [(c.community_id, c.total, c.rank) for c in expected] == [
        ("B", Decimal("80.02"), 1),
        ("A", Decimal("80.01"), 2),
    ]


def fine_share_year(folder: Path) -> list[Community]:
    # 30 communities, shares five = 0.03333333334: n x five = 1.0000000002, ceil = 2.
    totals = {f"S{i:02d}": [str(50 + i)] for i in range(1, 31)}
    stars = 'policy = "shares"\nfive = 0.03333333334\nfour = 0.3'
    write_year(folder, flat(totals), ONE_ITEM, scheme_text(ONE_EACH, stars=stars))
    return oracle(folder)


def test_oracle_fine_share(tmp_path: Path) -> None:
    expected = fine_share_year(tmp_path / "2010")
    # five = ceil(30 x 0.03333333334) = 2; four = ceil(30 x 0.33333333334) - 2 = 9
    assert [c.stars for c in expected] == [5] * 2 + [4] * 9 + [3] * 19


@pytest.mark.parametrize("year", [near_half_year, thirds_year, fine_share_year])
def test_the_tool_agrees_past_nine_decimals(
    tmp_path: Path, year: Callable[[Path], list[Community]]
) -> None:
    """Each once differed: a total a hair from a half-way point went the wrong way,
    and a share of more than nine decimals gave one five-star community too few."""
    expected = year(tmp_path / "2010")
    code, tool = invoke("rank", tmp_path, "2010")
    assert code == 0
    assert_same(tool, expected)
