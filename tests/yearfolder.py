"""Build small synthetic year folders for tests: a dict of scores in, a folder out.

    write_year(tmp_path, 2010, {
        "C1": {"committee": [80], "office": [81, 82], "residents": [79, 80, 81]},
        "C2": {"committee": [70], "office": [71, 72], "residents": [69, 70, 71]},
    })

writes tmp_path/2010/ with communities.csv, criteria.csv, reps.csv, scheme.toml,
flags.csv (when flags are given) and one CSV score sheet per group under sheets/,
all in the canonical English layout of SPEC section 2, so that the year validates
(the scheme's [raters] are taken from the data unless given).

Each rater is a number (their total, spread over the items in proportion to the
items' maximum points; with the default single 100-point item it is the item score)
or a sequence of item scores. Rater ids: committee C01.., office O01.., residents
"<community>-R01".. (listed in reps.csv as drawn representatives).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

GROUPS = ("committee", "office", "residents")
DEFAULT_ITEMS: tuple[tuple[str, float], ...] = (("A1", 100.0),)

Rater = float | int | Sequence[float]
Scores = Mapping[str, Mapping[str, Sequence[Rater]]]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A UTF-8 CSV with a header row, as a clerk's canonical file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _number(value: float) -> str:
    """Plain decimal text: 80 -> '80', 80.5 -> '80.5' (repr keeps every digit)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def rater_id(community: str, group: str, number: int) -> str:
    if group == "residents":
        return f"{community}-R{number:02d}"
    return f"{'C' if group == 'committee' else 'O'}{number:02d}"


def _item_scores(rater: Rater, items: Sequence[tuple[str, float]]) -> list[str]:
    if isinstance(rater, (int, float)):
        full = sum(maximum for _item, maximum in items)
        return [_number(float(rater) * maximum / full) for _item, maximum in items]
    if len(rater) != len(items):
        raise ValueError(f"{len(rater)} item scores for {len(items)} items")
    return [_number(v) for v in rater]


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def scheme_toml(sections: Mapping[str, Mapping[str, object]]) -> str:
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def derived_raters(scores: Scores) -> dict[str, int]:
    """[raters] that make the data valid: residents and office the largest count,
    committee the smallest one present (a minimum); 1 for a group with no raters."""
    raters: dict[str, int] = {}
    for group in GROUPS:
        counts = [len(groups.get(group, ())) for groups in scores.values()]
        present = [c for c in counts if c > 0]
        if not present:
            raters[group] = 1
        elif group == "committee":
            raters[group] = min(present)
        else:
            raters[group] = max(present)
    return raters


def write_year(
    root: Path,
    year: str | int,
    scores: Scores,
    *,
    names: Mapping[str, str] | None = None,
    areas: Mapping[str, str] | None = None,
    flags: Sequence[tuple[str, str]] = (),
    scheme: Mapping[str, Mapping[str, object]] | None = None,
    items: Sequence[tuple[str, float]] = DEFAULT_ITEMS,
) -> Path:
    """Write ROOT/YEAR for ``scores`` = {community_id: {group: [rater, ...]}}.

    ``names``/``areas`` default to "<id>社区" and "测试地区"; ``flags`` are
    (community_id, flag code or the document's wording); ``scheme`` sections override
    the written scheme.toml section by section ([raters] defaults to derived_raters).
    """
    folder = Path(root) / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    names = names or {}
    areas = areas or {}
    write_csv(
        folder / "communities.csv",
        ["community_id", "name", "area"],
        [[c, names.get(c, f"{c}社区"), areas.get(c, "测试地区")] for c in scores],
    )
    write_csv(
        folder / "criteria.csv",
        ["item_id", "category", "name", "max_points"],
        [[item, "测试", f"指标{item}", _number(maximum)] for item, maximum in items],
    )
    reps = []
    for community, groups in scores.items():
        for number in range(1, len(groups.get("residents", ())) + 1):
            resident = rater_id(community, "residents", number)
            reps.append([community, number, resident, f"居民{resident}", "rep"])
    write_csv(folder / "reps.csv", ["community_id", "order", "resident_id", "name", "role"], reps)
    header = ["community_id", "group", "rater_id", "rater_name", *(i for i, _m in items)]
    for group in GROUPS:
        rows = []
        for community, groups in scores.items():
            for number, rater in enumerate(groups.get(group, ()), start=1):
                who = rater_id(community, group, number)
                rows.append([community, group, who, f"评分人{who}", *_item_scores(rater, items)])
        if rows:
            write_csv(folder / "sheets" / f"{group}.csv", header, rows)
    if flags:
        write_csv(
            folder / "flags.csv",
            ["community_id", "flag", "date", "note"],
            [[community, flag, f"{year}-06-01", ""] for community, flag in flags],
        )
    sections: dict[str, Mapping[str, object]] = {
        "weights": {"committee": 0.15, "office": 0.15, "residents": 0.70},
        "raters": derived_raters(scores),
    }
    sections.update(scheme or {})
    (folder / "scheme.toml").write_text(scheme_toml(sections), encoding="utf-8")
    return folder
