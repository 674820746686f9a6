"""Generate the committed sample data under samples/ (deterministic).

Run from the repository root:  .venv/bin/python tools/make_samples.py

Everything comes from one random.Random(2008) used in a fixed order, so two runs give the
same CSV bytes (.xlsx files differ only in their timestamps). Only the community names and
the area come from the 2008 plan; residents, raters, scores and the flag are invented.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import random
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "samples"
AREA = "南磨房地区"
WEIGHTS = {
    g: Fraction(w) for g, w in (("committee", "0.15"), ("office", "0.15"), ("residents", "0.70"))
}
SEEDS = {2008: "2008-11-25 双色球 2008138", 2009: "2009-11-25 双色球 2009139"}
REP_COUNT, ALTERNATES = 30, 3

# (id, name, compounds (小区)); the first seven names are in the plan, the last two invented.
COMMUNITIES: list[tuple[str, str, list[str]]] = [
    ("NMF01", "欢乐谷社区", ["欢乐谷一区", "欢乐谷二区", "欢乐谷三区"]),
    ("NMF02", "平乐园社区", ["平乐园小区", "平乐园北区"]),
    ("NMF03", "紫南家园社区", ["紫南家园东区", "紫南家园西区", "紫南家园南区"]),
    ("NMF04", "双龙南里社区", ["双龙南里一区", "双龙南里二区"]),
    ("NMF05", "东郊社区", ["东郊农场宿舍", "东郊小区", "东郊北里"]),
    ("NMF06", "百子湾社区", ["百子湾家园", "百子湾东里", "百子湾西里", "百子湾南二路小区"]),
    ("NMF07", "南新园社区", ["南新园东区", "南新园西区"]),
    ("NMF08", "双龙西里社区", ["双龙西里小区", "双龙西里北区"]),
    ("NMF09", "世纪东方社区", ["世纪东方城一区", "世纪东方城二区", "世纪东方城三区"]),
]
NAME_OF = {cid: name for cid, name, _ in COMMUNITIES}

# The seven qualities of the plan (一、工作目标) as categories; max points sum to 100.
CRITERIA: list[tuple[str, str, list[tuple[str, int]]]] = [
    ("A", "居民自治", [("居委会依法选举", 5), ("居务公开与民主议事", 5), ("居民自治组织建设", 4)]),
    (
        "B",
        "管理有序",
        [("社区管理制度健全", 5), ("流动人口与出租房屋管理", 5), ("物业管理规范", 4)],
    ),
    (
        "C",
        "服务完善",
        [
            ("社区服务站建设", 4),
            ("社会保障与就业服务", 4),
            ("为老助残服务", 4),
            ("便民服务网点", 3),
        ],
    ),
    ("D", "环境优美", [("环境卫生", 6), ("绿化美化", 4), ("垃圾分类与清运", 4)]),
    ("E", "治安良好", [("治安防控", 5), ("群防群治队伍", 3), ("消防安全", 3), ("矛盾纠纷调解", 4)]),
    ("F", "文化繁荣", [("社区文化活动", 5), ("文体队伍与设施", 4), ("社区教育", 5)]),
    ("G", "文明祥和", [("文明家庭创建", 5), ("志愿者服务", 5), ("邻里和谐", 4)]),
]


@dataclass(frozen=True)
class Item:
    item_id: str
    category: str
    name: str
    max_points: int


ITEMS = [
    Item(f"{letter}{n}", cat, name, pts)
    for letter, cat, entries in CRITERIA
    for n, (name, pts) in enumerate(entries, start=1)
]
assert sum(i.max_points for i in ITEMS) == 100

# Hidden quality level (share of max points) per community and year.
QUALITY = {
    2008: [0.91, 0.78, 0.86, 0.74, 0.83, 0.94, 0.81, 0.72, 0.88],
    2009: [0.86, 0.85, 0.93, 0.77, 0.80, 0.89, 0.73, 0.82, 0.76],
}
ABSENT = {2008: ["NMF03", "NMF08"], 2009: ["NMF02", "NMF06"]}  # one rep absent, #31 scores
WINDOWS = {
    "residents": ((11, 26), (12, 10)),
    "office": ((11, 26), (12, 10)),
    "committee": ((12, 11), (12, 31)),
}
NOISE = {"residents": 0.09, "office": 0.06, "committee": 0.04}  # per item, share of max
OFFICE_NAMES = [
    "韩秀梅",
    "冯建国",
    "郝立新",
    "汪春华",
    "邵德明",
    "魏淑芬",
    "崔永强",
    "潘丽娟",
    "钟国庆",
    "姚红霞",
]
COMMITTEE_NAMES = ["赵明远", "孙桂兰", "蒋文斌"]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦"
)
GIVEN = (
    "建国华明志文军玉秀英兰芳桂淑凤珍海红丽春金宝德永立庆云福荣成林新晓伟敏静强磊洋勇"
    "艳杰娟涛超霞平刚梅琴燕辉鹏波宇浩婷雪亮东斌俊峰萍玲莉"
)

Rows = list[list[object]]


@dataclass
class Resident:
    community_id: str
    resident_id: str
    name: str
    household: str
    compound: str
    eligible: str


def person_name(rng: random.Random, surname: str | None = None) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    return (surname or rng.choice(SURNAMES)) + given


def make_roster(rng: random.Random) -> list[Resident]:
    roster: list[Resident] = []
    for cid, _, compounds in COMMUNITIES:
        size, n, h = rng.randint(200, 400), 0, 0
        while n < size:
            h += 1
            family = rng.choice(SURNAMES)
            compound = rng.choice(compounds)
            for k in range(min(rng.choice((1, 1, 2, 2, 2, 3, 3, 4)), size - n)):
                n += 1
                roll = rng.random()
                eligible = "否" if roll < 0.05 else "" if roll < 0.07 else "是"
                name = person_name(rng, None if k == 1 else family)  # spouse: own surname
                roster.append(
                    Resident(cid, f"{cid}-{n:04d}", name, f"{cid}-H{h:04d}", compound, eligible)
                )
    return roster


def draw(roster: list[Resident], seed: str) -> list[tuple[str, int, Resident, str]]:
    """SPEC section 4, method sha256, no household rule, no stratification."""
    out = []
    for cid, _, _ in COMMUNITIES:
        pool = sorted(
            (r for r in roster if r.community_id == cid and r.eligible in ("是", "")),
            key=lambda r: r.resident_id,
        )
        for i in range(1, REP_COUNT + ALTERNATES + 1):
            digest = hashlib.sha256(f"{seed}|{cid}|{i}".encode()).digest()
            pick = pool.pop(int.from_bytes(digest, "big") % len(pool))
            out.append((cid, i, pick, "rep" if i <= REP_COUNT else "alternate"))
    return out


def half_up(x: Fraction) -> Decimal:
    """Exact: Fraction -> Decimal with 2 places, rounded half-up."""
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def num(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


def rater_scores(rng: random.Random, quality: float, noise: float) -> list[float]:
    bias = rng.gauss(0, noise / 2)
    while True:
        scores = []
        for item in ITEMS:
            v = item.max_points * (quality + bias + rng.gauss(0, noise))
            scores.append(min(max(math.floor(v * 2 + 0.5) / 2, 0.0), float(item.max_points)))
        if any(s < i.max_points for s, i in zip(scores, ITEMS, strict=True)):
            return scores


def group_scores(rng: random.Random, quality: float, group: str, n: int) -> list[list[float]]:
    """n raters; redrawn until no rater is a modified-z outlier (|z| > 3.5) in the group."""
    while True:
        sheets = [rater_scores(rng, quality, NOISE[group]) for _ in range(n)]
        totals = [sum(s) for s in sheets]
        med = statistics.median(totals)
        mad = statistics.median(abs(t - med) for t in totals)
        if mad > 0 and all(0.6745 * abs(t - med) / mad <= 3.5 for t in totals):
            return sheets


def day(rng: random.Random, year: int, group: str) -> dt.date:
    (m1, d1), (m2, d2) = WINDOWS[group]
    start, end = dt.date(year, m1, d1), dt.date(year, m2, d2)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def write_csv(path: Path, rows: Rows, encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)


def save(wb: Workbook, path: Path) -> None:
    wb.properties.creator = "starcommunity samples"
    wb.properties.created = dt.datetime(2008, 11, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def write_criteria(path: Path, year: int) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "评估标准"
    ws.append([f"南磨房地区星级和谐社区评估标准（{year}年）"])
    ws.append([])
    ws.append(["指标编号", "类别", "指标名称", "分值"])
    for it in ITEMS:
        ws.append([it.item_id, it.category, it.name, it.max_points])
    ws.column_dimensions["C"].width = 26
    save(wb, path)


def scheme_toml(year: int) -> str:
    return f"""# 星级和谐社区评估方案参数（{year}年）
# 依据《南磨房地区争创朝阳区星级和谐社区创建和评估实施方案》（2008年）

[weights]          # 七、2 分数计算：三项权重之和须为 1
committee = 0.15   # 区农委星级和谐社区创建和评估领导小组给出分数 ×15%
office = 0.15      # 地区办事处星级和谐社区创建和评估组给出分数 ×15%
residents = 0.70   # 随机确定的社区居民代表给出分数 ×70%

[raters]           # 七、1 评分人数：居民代表、办事处为每个社区的确切人数，区农委为最少人数
residents = 30     # 每个社区随机确定的 30 名居民代表
office = 10        # 地区办事处评估领导小组 10 人
committee = 1      # 区农委领导小组至少 1 人

[scoring]
trim = 0           # 每组去掉几个最高分和最低分后再取平均（0 = 不去掉）
trim_min = 5       # 只有评分人数多于此数的组才去掉最高、最低分

[stars]
policy = "thirds"  # 六、按全区各社区得分从低到高评出三星级、四星级、五星级，各约三分之一

[timeline]         # 六、时间安排：各组打分日期不在区间内时给出警告
residents = ["{year}-11-26", "{year}-12-10"]   # 社区居民代表打分
office = ["{year}-11-26", "{year}-12-10"]      # 地区办事处创建和评估小组打分
committee = ["{year}-12-11", "{year}-12-31"]   # 区农委领导小组打分

[rewards]          # 八、命名表彰：各星级奖励金额（元），由地区领导小组讨论制定，此为示例
five = 20000
four = 10000
three = 5000
"""


def make_year(year: int, rng: random.Random, roster: list[Resident]) -> dict[str, list[Fraction]]:
    """Write samples/<year>/; return each community's group means (committee, office, residents)."""
    base = OUT / str(year)
    write_csv(
        base / "communities.csv",
        [[f"{year}年南磨房地区参评社区名单"], ["社区编号", "社区名称", "地区"]]
        + [[cid, name, AREA] for cid, name, _ in COMMUNITIES],
        "gbk",
    )
    write_criteria(base / "criteria.xlsx", year)
    write_csv(
        base / "roster.csv",
        [["社区编号", "居民编号", "姓名", "户号", "小区", "是否有资格"]]
        + [
            [r.community_id, r.resident_id, r.name, r.household, r.compound, r.eligible]
            for r in roster
        ],
        "utf-8-sig",
    )
    drawn = draw(roster, SEEDS[year])
    write_tool_draw(base, year, [(cid, i, r.resident_id, role) for cid, i, r, role in drawn])
    (base / "scheme.toml").write_text(scheme_toml(year), encoding="utf-8")

    totals: dict[str, list[Fraction]] = {}
    res_wb, office_rows = (
        Workbook(),
        [["社区编号", "评分组", "评分人编号", "评分人姓名", "日期"] + [it.item_id for it in ITEMS]],
    )
    res_wb.remove(res_wb.active)
    com_wb = Workbook()
    com_ws = com_wb.active
    com_ws.title = "区农委"
    com_ws.append([f"区农委星级和谐社区创建和评估领导小组评分表（{year}年）"])
    com_ws.append(
        ["community_id", "group", "rater_id", "rater_name", "date"] + [it.item_id for it in ITEMS]
    )
    for (cid, name, _), quality in zip(COMMUNITIES, QUALITY[year], strict=True):
        raters = [(r, i) for c, i, r, _ in drawn if c == cid and i <= REP_COUNT]
        if cid in ABSENT[year]:  # one rep did not come; alternate #1 (order 31) scores instead
            gone = rng.randrange(REP_COUNT)
            alt = next(r for c, i, r, _ in drawn if c == cid and i == REP_COUNT + 1)
            raters = raters[:gone] + raters[gone + 1 :] + [(alt, REP_COUNT + 1)]
        res = group_scores(rng, quality, "residents", REP_COUNT)
        off = group_scores(rng, quality, "office", 10)
        com = group_scores(rng, quality, "committee", 3)
        totals[cid] = [Fraction(sum(map(sum, g))) / len(g) for g in (com, off, res)]

        ws = res_wb.create_sheet(name)
        ws.append([f"{name}居民代表民主评估打分表"])
        ws.append(
            ["社区编号", "评分组", "评分人编号", "评分人姓名", "日期"] + [it.name for it in ITEMS]
        )
        when = day(rng, year, "residents")
        for (r, _), scores in zip(raters, res, strict=True):
            ws.append([cid, "居民代表", r.resident_id, r.name, when, *scores])
            ws.cell(ws.max_row, 5).number_format = "yyyy-mm-dd"
        when = day(rng, year, "office")
        for k, scores in enumerate(off):
            office_rows.append(
                [cid, "办事处", f"O{k + 1:02d}", OFFICE_NAMES[k], when.isoformat()]
                + [num(s) for s in scores]
            )
        when = day(rng, year, "committee")
        for k, scores in enumerate(com):
            com_ws.append([cid, "committee", f"C{k + 1:02d}", COMMITTEE_NAMES[k], when, *scores])
            com_ws.cell(com_ws.max_row, 5).number_format = "yyyy-mm-dd"

    # Clerk habits: numbers stored as text in three cells, one full-width digit.
    for sheet, row, col in (("欢乐谷社区", 5, 6), ("紫南家园社区", 12, 11), ("南新园社区", 23, 18)):
        cell = res_wb[sheet].cell(row, col)
        cell.value = num(cell.value)
    ws = res_wb["平乐园社区"]
    cell = next(
        c
        for row in ws.iter_rows(min_row=3, min_col=6)
        for c in row
        if c.value == int(c.value) and 1 <= c.value <= 9
    )
    cell.value = chr(0xFF10 + int(cell.value))
    save(res_wb, base / "sheets" / "居民代表评分.xlsx")
    save(com_wb, base / "sheets" / "区农委评分.xlsx")
    write_csv(base / "sheets" / "office_scores.csv", office_rows, "gbk")

    if year == 2008:
        write_csv(
            base / "flags.csv",
            [
                ["社区编号", "取消资格情形", "日期", "备注"],
                ["NMF05", "发生重大安全事故", "2008-08-15", "小区内燃气爆炸事故致2人死亡"],
            ],
            "utf-8",
        )
    return totals


def thirds(weighted: dict[str, Fraction], flagged: set[str]) -> dict[str, int | None]:
    ranked = sorted((c for c in weighted if c not in flagged), key=lambda c: -weighted[c])
    n = len(ranked)
    five = math.ceil(n / 3)
    four = math.ceil((n - five) / 2)
    stars: dict[str, int | None] = {c: None for c in flagged}
    for r, c in enumerate(ranked, start=1):
        stars[c] = 5 if r <= five else 4 if r <= five + four else 3
    return stars


README = """# Sample data

Two years of an invented evaluation run by the 南磨房地区 (Nanmofang area, Chaoyang
district) office, in the layout of SPEC section 2. Written by `tools/make_samples.py`
(deterministic; re-run it to regenerate). **All residents, raters, scores and the flag are
invented**; only the community names (seven of them) and the area come from the 2008 plan
(`NMF08 双龙西里社区` and `NMF09 世纪东方社区` are invented too).

Files in each year folder, and the reader styles they exercise:

- `communities.csv`: the nine communities NMF01..NMF09. GBK, a title row above the header,
  Chinese headers.
- `criteria.xlsx`: 23 items in the seven categories of the plan, 100 points in all. Sheet
  评估标准, title row and blank row above the header, Chinese headers.
- `roster.csv`: 200-400 invented residents per community, with households and 小区.
  UTF-8 with BOM, Chinese headers, eligibility as 是 / 否 / blank (blank = eligible).
- `reps.csv`: the draw, 30 reps + 3 alternates per community (method sha256), as
  `starcommunity draw-reps` writes it: UTF-8 with BOM, English headers. `reps.draw.json`
  beside it is the draw's record, which `starcommunity verify-draw` checks.
- `scheme.toml`: the 2008 defaults (weights, raters, thirds, timeline, rewards), Chinese
  comments.
- `sheets/居民代表评分.xlsx`: residents group, one sheet per community named by the
  community, title row, item columns headed by the item's **name**, real date cells,
  numbers stored as text (3 cells) and one full-width digit `５` (warnings, still valid).
- `sheets/office_scores.csv`: office group (办事处), raters O01..O10. GBK, Chinese headers,
  item columns headed by item_id.
- `sheets/区农委评分.xlsx`: committee group, raters C01..C03. Title row, English headers,
  group written `committee`.
- `flags.csv` (2008 only): NMF05 东郊社区 disqualified, 发生重大安全事故. UTF-8, Chinese
  headers and the plan's wording.

Draw seeds (`draw-reps --seed`, count 30, alternates 3, no household rule, no strata):

- 2008: `2008-11-25 双色球 2008138`
- 2009: `2009-11-25 双色球 2009139`

In 2008 NMF03 and NMF08, in 2009 NMF02 and NMF06, one representative did not come and
alternate #1 (order 31) scored instead. The 2009 roster is the same as 2008's.

Expected results (mean of rater totals per group, no trim; total = 0.15 x committee +
0.15 x office + 0.70 x residents, rounded half-up; stars by the thirds policy):

"""


def write_tool_draw(base: Path, year: int, expected: list[tuple[str, int, str, str]]) -> None:
    """reps.csv and reps.draw.json as `starcommunity draw-reps` writes them.

    The draw above is this script's own few lines of SPEC section 4; the tool's draw
    must give exactly the same picks, which makes the samples a cross-check of both.
    """
    for old in ("reps.csv", "reps.draw.json"):
        (base / old).unlink(missing_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "starcommunity",
            "draw-reps",
            "--root",
            str(base.parent),
            "--year",
            str(year),
            "--seed",
            SEEDS[year],
            "--count",
            "30",
            "--alternates",
            "3",
            "--format",
            "json",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(base / "draws", ignore_errors=True)
    with (base / "reps.csv").open(encoding="utf-8-sig", newline="") as handle:
        got = [
            (r["community_id"], int(r["order"]), r["resident_id"], r["role"])
            for r in csv.DictReader(handle)
        ]
    assert got == expected, "starcommunity draw-reps differs from SPEC section 4"


def main() -> None:
    rng = random.Random(2008)
    roster = make_roster(rng)
    lines = [README]
    for year in (2008, 2009):
        means = make_year(year, rng, roster)
        weighted = {
            c: sum(w * m for w, m in zip(WEIGHTS.values(), means[c], strict=True)) for c in means
        }
        published = [half_up(t) for t in weighted.values()]
        assert len(set(published)) == len(published), "two communities share a published total"
        flagged = {"NMF05"} if year == 2008 else set()
        stars = thirds(weighted, flagged)
        lines.append(
            f"{year}:\n\n| community | committee | office | residents | total | stars |\n"
            "|---|---|---|---|---|---|\n"
        )
        for cid in sorted(weighted, key=lambda c: -weighted[c]):
            star = "disqualified" if cid in flagged else stars[cid]
            groups = " | ".join(f"{float(g):.4f}" for g in means[cid])
            lines.append(
                f"| {cid} {NAME_OF[cid]} | {groups} | {half_up(weighted[cid])} | {star} |\n"
            )
            print(
                f"{year} {cid} c/o/r {groups.replace(' | ', ' ')}  exact "
                f"{float(weighted[cid]):.6f} -> {half_up(weighted[cid])}  stars={star}"
            )
        lines.append("\n")
    (OUT / "README.md").write_text("".join(lines).rstrip() + "\n", encoding="utf-8")
    for path in sorted(OUT.rglob("*")):
        if path.is_file():
            print(f"{path.stat().st_size:>8}  {path.relative_to(OUT.parent)}")


if __name__ == "__main__":
    main()
