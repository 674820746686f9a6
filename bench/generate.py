"""Write a synthetic year folder of any size in the clerks' formats (see samples/2008).

    python bench/generate.py --communities 1500 --out bench/data/city --format mixed

writes OUT/2008/ with communities.csv, criteria.xlsx, roster.csv, reps.csv, flags.csv,
scheme.toml and sheets/. Deterministic for a given --seed: the same arguments give the
same CSV bytes (.xlsx files differ only in their zip timestamps).

The file styles are those of tools/make_samples.py, which this module imports (criteria,
scheme, names, noise levels, the sha256 draw rule): communities.csv in GBK with a title
row; the criteria workbook; roster.csv in UTF-8 with BOM; reps.csv drawn by SPEC section 4
(method sha256, 30 reps + 3 alternates); flags.csv with the plan's wording. Score sheets are
written one set per area, so no single file is absurd:

- ``--format mixed`` (as samples/2008): residents in a workbook per area, one sheet per
  community, title row, items headed by name, real date cells, a few numbers stored as
  text; office in a GBK CSV per area headed by item id; committee in a workbook per area
  with a title row and English headers.
- ``--format csv`` (for large years): the same three sheets per area, all CSV: residents
  in UTF-8 with BOM, title row, dates as 2008/12/1 and a few full-width digits; office in
  GBK; committee in UTF-8 with a title row.

Every community has 30 resident raters (from reps.csv; about 5% had a representative
absent and alternate #31 scored instead), 10 office and 3 committee raters. About one
community in 200 is disqualified by a flag.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import importlib.util
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

REPO = Path(__file__).resolve().parent.parent
YEAR = 2008
REP_COUNT, ALTERNATES = 30, 3
OFFICE_RATERS, COMMITTEE_RATERS = 10, 3
META_ZH = ["社区编号", "评分组", "评分人编号", "评分人姓名", "日期"]
META_EN = ["community_id", "group", "rater_id", "rater_name", "date"]
PLACES = "安平和康宁泰福华兴隆盛祥瑞丰源景新东西南北中春秋朝阳光明月星花园林"
SUFFIXES = ("里", "园", "苑", "庄", "村", "街", "路", "坊", "营", "桥")


def _load_samples_module() -> ModuleType:
    """tools/make_samples.py is a script, not a package: load it by path."""
    path = REPO / "tools" / "make_samples.py"
    spec = importlib.util.spec_from_file_location("make_samples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_samples", module)
    spec.loader.exec_module(module)
    return module


ms = _load_samples_module()
ITEMS = ms.ITEMS
MAXIMA = np.array([item.max_points for item in ITEMS], dtype=float)
# Score cells are multiples of 0.5 between 0 and the largest maximum: text by lookup.
HALF_STEPS = np.array([ms.num(k / 2) for k in range(int(MAXIMA.max()) * 2 + 1)], dtype=object)


@dataclass
class Community:
    community_id: str
    name: str
    area: str
    quality: float


def default_area_size(communities: int) -> int:
    """District 30 -> 3 areas of 10; city 1500 -> 10 of 150; nation 100000 -> 100 of 1000."""
    return max(10, min(1000, communities // 10))


def make_communities(n: int, area_size: int, rng: np.random.Generator) -> list[Community]:
    areas = math.ceil(n / area_size)
    qualities = rng.uniform(0.70, 0.95, size=n)
    out = []
    for index in range(n):
        area = index // area_size
        local = index % area_size
        a, b = divmod(local, len(PLACES))
        place = PLACES[a % len(PLACES)] + PLACES[b] + SUFFIXES[(a // len(PLACES)) % len(SUFFIXES)]
        if a >= len(PLACES) * len(SUFFIXES):
            place += str(local)
        area_name = f"第{area + 1:0{len(str(areas))}d}地区"
        out.append(
            Community(
                community_id=f"A{area + 1:03d}C{local + 1:04d}",
                name=f"{place}社区",
                area=area_name,
                quality=float(qualities[index]),
            )
        )
    return out


def person_names(count: int, rng: np.random.Generator) -> list[str]:
    surnames = rng.integers(0, len(ms.SURNAMES), size=count)
    given_1 = rng.integers(0, len(ms.GIVEN), size=count)
    given_2 = rng.integers(-len(ms.GIVEN) // 3, len(ms.GIVEN), size=count)  # <0: one char
    s, g = ms.SURNAMES, ms.GIVEN
    return [
        s[a] + g[b] + (g[c] if c >= 0 else "")
        for a, b, c in zip(surnames.tolist(), given_1.tolist(), given_2.tolist(), strict=True)
    ]


def write_rows(path: Path, rows: Iterator[list[str]] | list[list[str]], encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)


def scores_for(
    communities: list[Community], raters: int, noise: float, rng: np.random.Generator
) -> np.ndarray:
    """(len(communities) * raters, items) scores in half points, clipped to [0, max]."""
    quality = np.repeat([c.quality for c in communities], raters)[:, None]
    bias = rng.normal(0, noise / 2, size=(len(quality), 1))
    eps = rng.normal(0, noise, size=(len(quality), len(ITEMS)))
    values = MAXIMA * (quality + bias + eps)
    return np.clip(np.floor(values * 2 + 0.5) / 2, 0, MAXIMA)


def score_text(scores: np.ndarray) -> np.ndarray:
    return HALF_STEPS[(scores * 2).astype(int)]


def day_of(group: str, rng: np.random.Generator, size: int) -> list[dt.date]:
    (m1, d1), (m2, d2) = ms.WINDOWS[group]
    start, end = dt.date(YEAR, m1, d1), dt.date(YEAR, m2, d2)
    offsets = rng.integers(0, (end - start).days + 1, size=size)
    return [start + dt.timedelta(days=int(k)) for k in offsets]


def draw_reps(pools: dict[str, list[str]], seed: str) -> dict[str, list[tuple[int, str, str]]]:
    """SPEC section 4, method sha256: (order, resident_id, role) per community."""
    out: dict[str, list[tuple[int, str, str]]] = {}
    for community_id, members in pools.items():
        pool = sorted(members)
        picks = []
        for i in range(1, REP_COUNT + ALTERNATES + 1):
            digest = hashlib.sha256(f"{seed}|{community_id}|{i}".encode()).digest()
            pick = pool.pop(int.from_bytes(digest, "big") % len(pool))
            picks.append((i, pick, "rep" if i <= REP_COUNT else "alternate"))
        out[community_id] = picks
    return out


def generate(
    out: Path,
    communities: int,
    fmt: str = "csv",
    *,
    seed: int = YEAR,
    roster_size: int = 60,
    area_size: int | None = None,
) -> Path:
    """Write OUT/2008/ and return that folder."""
    if roster_size < REP_COUNT + ALTERNATES + 5:
        raise ValueError(f"--roster-size must be at least {REP_COUNT + ALTERNATES + 5}")
    rng = np.random.default_rng(seed)
    area_size = area_size or default_area_size(communities)
    base = out / str(YEAR)
    (base / "sheets").mkdir(parents=True, exist_ok=True)
    for old in (base / "sheets").iterdir():
        old.unlink()
    community_list = make_communities(communities, area_size, rng)

    write_rows(
        base / "communities.csv",
        [[f"{YEAR}年参评社区名单（合成数据）"], ["社区编号", "社区名称", "地区"]]
        + [[c.community_id, c.name, c.area] for c in community_list],
        "gbk",
    )
    ms.write_criteria(base / "criteria.xlsx", YEAR)
    (base / "scheme.toml").write_text(ms.scheme_toml(YEAR), encoding="utf-8")

    # Roster: roster_size residents per community, ~2 per household, 5% not eligible.
    total = communities * roster_size
    names = person_names(total, rng)
    eligible_roll = rng.random(total)
    pools: dict[str, list[str]] = {}
    name_of: dict[str, str] = {}

    def roster_rows() -> Iterator[list[str]]:
        yield ["社区编号", "居民编号", "姓名", "户号", "小区", "是否有资格"]
        k = 0
        for community in community_list:
            cid = community.community_id
            members = pools.setdefault(cid, [])
            for n in range(1, roster_size + 1):
                rid = f"{cid}-{n:04d}"
                roll = eligible_roll[k]
                eligible = "否" if roll < 0.05 else "" if roll < 0.07 else "是"
                if eligible != "否":
                    members.append(rid)
                name_of[rid] = names[k]
                compound = f"{community.name[:-2]}{1 + n % 3}区"
                yield [cid, rid, names[k], f"{cid}-H{(n + 1) // 2:04d}", compound, eligible]
                k += 1

    write_rows(base / "roster.csv", roster_rows(), "utf-8-sig")
    drawn = draw_reps(pools, ms.SEEDS[YEAR])
    pools.clear()
    write_rows(
        base / "reps.csv",
        [["community_id", "order", "resident_id", "name", "role"]]
        + [
            [cid, str(i), rid, name_of[rid], role]
            for cid, picks in drawn.items()
            for i, rid, role in picks
        ],
        "utf-8",
    )
    flagged = rng.choice(communities, size=max(1, communities // 200), replace=False)
    flag_words = list(_flag_wordings())
    write_rows(
        base / "flags.csv",
        [["社区编号", "取消资格情形", "日期", "备注"]]
        + [
            [
                community_list[int(i)].community_id,
                flag_words[k % len(flag_words)],
                f"{YEAR}-0{1 + k % 9}-15",
                "合成数据",
            ]
            for k, i in enumerate(sorted(flagged.tolist()))
        ],
        "utf-8",
    )

    absent = rng.random(communities) < 0.05
    for area_index in range(0, communities, area_size):
        area = community_list[area_index : area_index + area_size]
        number = area_index // area_size + 1
        residents = [
            _resident_raters(c, drawn, bool(absent[area_index + k]), rng, name_of)
            for k, c in enumerate(area)
        ]
        _write_area(base / "sheets", number, area, residents, fmt, rng)
    return base


def _flag_wordings() -> Iterator[str]:
    from starcommunity.model import FLAGS

    yield from FLAGS.values()


def _resident_raters(
    community: Community,
    drawn: dict[str, list[tuple[int, str, str]]],
    absent: bool,
    rng: np.random.Generator,
    name_of: dict[str, str],
) -> list[tuple[str, str]]:
    picks = drawn[community.community_id]
    raters = [rid for i, rid, _ in picks if i <= REP_COUNT]
    if absent:  # one representative did not come; alternate #1 (order 31) scored instead
        gone = int(rng.integers(REP_COUNT))
        raters = raters[:gone] + raters[gone + 1 :] + [picks[REP_COUNT][1]]
    return [(rid, name_of[rid]) for rid in raters]


def _write_area(
    folder: Path,
    number: int,
    area: list[Community],
    residents: list[list[tuple[str, str]]],
    fmt: str,
    rng: np.random.Generator,
) -> None:
    tag = f"{number:03d}"
    area_name = area[0].area
    item_names = [item.name for item in ITEMS]
    item_ids = [item.item_id for item in ITEMS]

    res_scores = score_text(scores_for(area, REP_COUNT, ms.NOISE["residents"], rng))
    res_days = day_of("residents", rng, len(area))
    off_scores = score_text(scores_for(area, OFFICE_RATERS, ms.NOISE["office"], rng))
    off_days = day_of("office", rng, len(area))
    com_scores = score_text(scores_for(area, COMMITTEE_RATERS, ms.NOISE["committee"], rng))
    com_days = day_of("committee", rng, len(area))
    # Clerk habits: about one community in 100 has a number stored as text (xlsx) or a
    # full-width digit (CSV) in its residents sheet.
    habits = {int(k) for k in np.flatnonzero(rng.random(len(area)) < 0.01)}

    # Office: GBK CSV, Chinese headers, items by id (as samples/2008/sheets/office_scores.csv).
    def office_rows() -> Iterator[list[str]]:
        yield META_ZH + item_ids
        for k, community in enumerate(area):
            when = off_days[k].isoformat()
            for r in range(OFFICE_RATERS):
                row = off_scores[k * OFFICE_RATERS + r]
                yield [
                    community.community_id,
                    "办事处",
                    f"O{r + 1:02d}",
                    ms.OFFICE_NAMES[r],
                    when,
                    *row,
                ]

    write_rows(folder / f"office_{tag}.csv", office_rows(), "gbk")

    if fmt == "csv":

        def resident_rows() -> Iterator[list[str]]:
            yield [f"{area_name}居民代表民主评估打分表"]
            yield META_ZH + item_names
            for k, community in enumerate(area):
                when = res_days[k]
                date = f"{when.year}/{when.month}/{when.day}"
                for r, (rid, name) in enumerate(residents[k]):
                    row = list(res_scores[k * REP_COUNT + r])
                    if k in habits and r == 3:
                        row[5] = "".join(chr(ord(ch) + 0xFEE0) for ch in row[5])
                    yield [community.community_id, "居民代表", rid, name, date, *row]

        write_rows(folder / f"residents_{tag}.csv", resident_rows(), "utf-8-sig")

        def committee_rows() -> Iterator[list[str]]:
            yield [f"区农委星级和谐社区创建和评估领导小组评分表（{area_name}）"]
            yield META_EN + item_ids
            for k, community in enumerate(area):
                for r in range(COMMITTEE_RATERS):
                    row = com_scores[k * COMMITTEE_RATERS + r]
                    yield [
                        community.community_id,
                        "committee",
                        f"C{r + 1:02d}",
                        ms.COMMITTEE_NAMES[r],
                        com_days[k].isoformat(),
                        *row,
                    ]

        write_rows(folder / f"committee_{tag}.csv", committee_rows(), "utf-8")
        return
    if fmt != "mixed":
        raise ValueError(f"unknown format {fmt!r}: csv or mixed")

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for k, community in enumerate(area):
        sheet = workbook.create_sheet(community.name[:31])
        sheet.append([f"{community.name}居民代表民主评估打分表"])
        sheet.append(META_ZH + item_names)
        for r, (rid, name) in enumerate(residents[k]):
            values: list[object] = [float(v) for v in res_scores[k * REP_COUNT + r]]
            if k in habits and r == 3:
                values[5] = ms.num(values[5])  # a number stored as text
            sheet.append([community.community_id, "居民代表", rid, name, res_days[k], *values])
    ms.save(workbook, folder / f"居民代表评分_{tag}.xlsx")

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("区农委")
    sheet.append([f"区农委星级和谐社区创建和评估领导小组评分表（{area_name}）"])
    sheet.append(META_EN + item_ids)
    for k, community in enumerate(area):
        for r in range(COMMITTEE_RATERS):
            values = [float(v) for v in com_scores[k * COMMITTEE_RATERS + r]]
            sheet.append(
                [
                    community.community_id,
                    "committee",
                    f"C{r + 1:02d}",
                    ms.COMMITTEE_NAMES[r],
                    com_days[k],
                    *values,
                ]
            )
    ms.save(workbook, folder / f"区农委评分_{tag}.xlsx")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", "-n", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="root folder; writes OUT/2008/")
    parser.add_argument("--format", choices=("csv", "mixed"), default="csv")
    parser.add_argument("--seed", type=int, default=YEAR)
    parser.add_argument("--roster-size", type=int, default=60, help="residents per community")
    parser.add_argument("--area-size", type=int, default=None, help="communities per area")
    args = parser.parse_args(argv)
    folder = generate(
        args.out,
        args.communities,
        args.format,
        seed=args.seed,
        roster_size=args.roster_size,
        area_size=args.area_size,
    )
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in files)
    print(f"wrote {folder}: {len(files)} files, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
