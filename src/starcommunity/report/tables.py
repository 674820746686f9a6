"""Rich tables for `score`, `rank` and `history`, in Chinese or English.

Rendering only: every number comes from the Evaluation (or the history frame) as the
core computed it; here it is only formatted. Text from the inputs goes into
:class:`rich.text.Text` cells, so a community called "[bold]" is shown as written and
never read as markup.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from starcommunity.model import FLAGS, GROUP_NAMES_ZH, GROUPS
from starcommunity.report.labels import label

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

    from starcommunity.evaluation import Evaluation

TEXT: dict[str, tuple[str, str]] = {
    "rank_title": ("{year}年星级和谐社区评估结果", "Star-rated harmonious communities {year}"),
    "score_title": ("{year}年各社区得分", "Scores {year}"),
    "history_title": ("历年星级", "Stars by year"),
    "disqualified": ("取消资格", "disqualified"),
    "no_star": ("无星级", "no star"),
    "complete": ("齐全", "complete"),
    "incomplete": ("未齐", "incomplete"),
    "missing": ("缺{groups}", "missing {groups}"),
    "short": ("{group}{raters}/{expected}人", "{group} {raters}/{expected}"),
    "up": ("↑ 升", "↑ up"),
    "down": ("↓ 降", "↓ down"),
    "same": ("= 持平", "= same"),
    "new": ("新获星级", "new"),
    "caption_disqualified": ("取消资格：", "Disqualified: "),
    "caption_weights": (
        "总分 = 区农委×{committee} + 办事处×{office} + 居民代表×{residents}，四舍五入保留两位小数",
        "Total = committee × {committee} + office × {office} + residents × {residents}, "
        "rounded half-up to 2 decimals",
    ),
    "history_legend": (
        "★ 星级；✗ 取消资格；— 无星级；空白 未参评",
        "★ stars; ✗ disqualified; — no star; blank: not evaluated that year",
    ),
}

GROUP_NAMES_EN: dict[str, str] = {
    "committee": "committee",
    "office": "office",
    "residents": "residents",
}


def text(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


def group_name(group: str, lang: str) -> str:
    return GROUP_NAMES_ZH.get(group, group) if lang == "zh" else GROUP_NAMES_EN.get(group, group)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, places: int) -> str:
    """A score as printed: fixed decimals, '—' for none."""
    if _missing(value) or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.{places}f}"


def star_text(value: Any) -> str:
    return "" if _missing(value) else "★" * int(value)


def change_text(change: str, previous: Any, current: Any, lang: str) -> str:
    """'↑ up 4→5': the direction and the two star counts behind it."""
    if not change:
        return ""
    before = "—" if _missing(previous) else str(int(previous))
    now = "—" if _missing(current) else str(int(current))
    word = text(change, lang)
    return f"{word} {now}" if change == "same" else f"{word} {before}→{now}"


def _table(title: str) -> Table:
    from rich.table import Table

    return Table(title=title, title_justify="left", show_lines=False, caption_justify="left")


def rank_table(evaluation: Evaluation, lang: str) -> Table:
    """rank, community, area, group scores, total, stars, [change], [reward]."""
    from rich.text import Text

    frame = evaluation.communities
    with_change = bool(frame["change"].astype(str).ne("").any())
    with_reward = bool(evaluation.scheme.rewards)
    table = _table(text("rank_title", lang, year=evaluation.year))
    table.add_column(label("rank", lang), justify="right")
    table.add_column(label("community_id", lang))
    table.add_column(label("name", lang))
    table.add_column(label("area", lang))
    for group in GROUPS:
        table.add_column(label(group, lang), justify="right")
    table.add_column(label("total", lang), justify="right", style="bold")
    table.add_column(label("stars", lang), style="yellow")
    if with_change:
        table.add_column(label("change", lang))
    if with_reward:
        table.add_column(label("reward", lang), justify="right")
    disqualified_lines = []
    for row in frame.to_dict("records"):
        codes = list(row["disqualified"])
        if codes:
            stars = Text(text("disqualified", lang), style="red")
            if lang == "zh":
                wording = "、".join(FLAGS.get(c, c) for c in codes)
                disqualified_lines.append(f"{row['community_id']} {row['name']}：{wording}")
            else:
                wording = "；".join(FLAGS.get(c, c) for c in codes)
                disqualified_lines.append(
                    f"{row['community_id']} {row['name']}: {wording} ({', '.join(codes)})"
                )
        elif _missing(row["stars"]) and not _missing(row["rank"]):
            stars = Text(text("no_star", lang), style="dim")
        else:
            stars = Text(star_text(row["stars"]))
        cells: list[Any] = [
            "—" if _missing(row["rank"]) else str(int(row["rank"])),
            Text(str(row["community_id"])),
            Text(str(row["name"])),
            Text(str(row["area"])),
            *(number(row[group], 4) for group in GROUPS),
            number(row["total"], 2),
            stars,
        ]
        if with_change:
            cells.append(change_text(row["change"], row["previous_stars"], row["stars"], lang))
        if with_reward:
            cells.append("" if _missing(row["reward"]) else f"{float(row['reward']):,.0f}")
        table.add_row(*cells)
    caption = [text("caption_weights", lang, **{g: _weight(evaluation, g) for g in GROUPS})]
    if disqualified_lines:
        caption.append(
            text("caption_disqualified", lang)
            + ("；" if lang == "zh" else "; ").join(disqualified_lines)
        )
    table.caption = Text("\n".join(caption))
    return table


def _weight(evaluation: Evaluation, group: str) -> str:
    return f"{evaluation.scheme.weights.get(group, 0) * 100:g}%"


def _group_cell(group_row: dict[str, Any]) -> Any:
    """'90.6667 (3)' ; a group short of raters in yellow, a missing one dim."""
    from rich.text import Text

    raters, expected = int(group_row["raters"]), int(group_row["expected"])
    count = f"{raters}/{expected}" if group_row["short"] else str(raters)
    if raters == 0:
        return Text(f"— ({count})", style="dim")
    style = "yellow" if group_row["short"] else ""
    return Text(f"{number(group_row['score'], 4)} ({count})", style=style)


def score_table(evaluation: Evaluation, lang: str) -> Table:
    """Per community: each group's score (raters), the total, and what is missing."""
    from rich.text import Text

    groups = {
        (row["community_id"], row["group"]): row for row in evaluation.groups.to_dict("records")
    }
    table = _table(text("score_title", lang, year=evaluation.year))
    table.add_column(label("community_id", lang))
    table.add_column(label("name", lang))
    table.add_column(label("area", lang))
    for group in GROUPS:
        table.add_column(label(group, lang), justify="right")
    table.add_column(label("total", lang), justify="right", style="bold")
    table.add_column(label("status", lang))
    for row in evaluation.communities.to_dict("records"):
        community = row["community_id"]
        cells: list[Any] = [Text(str(community)), Text(str(row["name"])), Text(str(row["area"]))]
        short = []
        for group in GROUPS:
            group_row = groups.get((community, group))
            if group_row is None:
                cells.append("—")
                continue
            cells.append(_group_cell(group_row))
            if group_row["short"] and int(group_row["raters"]) > 0:
                short.append(
                    text(
                        "short",
                        lang,
                        group=group_name(group, lang),
                        raters=int(group_row["raters"]),
                        expected=int(group_row["expected"]),
                    )
                )
        cells.append(number(row["total"], 2))
        cells.append(_status(row, short, lang))
        table.add_row(*cells)
    table.caption = Text(
        text("caption_weights", lang, **{g: _weight(evaluation, g) for g in GROUPS})
    )
    return table


def _status(row: dict[str, Any], short: list[str], lang: str) -> Any:
    from rich.text import Text

    parts = []
    if row["complete"]:
        parts.append(text("complete", lang))
    else:
        detail = []
        if row["missing"]:
            names = ("、" if lang == "zh" else ", ").join(
                group_name(g, lang) for g in row["missing"]
            )
            detail.append(text("missing", lang, groups=names))
        detail += short
        colon, semicolon = ("：", "；") if lang == "zh" else (": ", "; ")
        parts.append(text("incomplete", lang) + (colon + semicolon.join(detail) if detail else ""))
    if row["disqualified"]:
        codes = list(row["disqualified"])
        if lang == "zh":  # the plan's wording, as on the flags file (四、2)
            wording = "、".join(FLAGS.get(c, c) for c in codes)
            parts.append(f"{text('disqualified', lang)}（{wording}）")
        else:
            parts.append(f"{text('disqualified', lang)} ({', '.join(codes)})")
    return Text(
        ("；" if lang == "zh" else "; ").join(parts), style="" if row["complete"] else "yellow"
    )


def history_table(frame: pd.DataFrame, years: list[str], lang: str) -> Table:
    """Community x year: ★ per ranked year, ✗ disqualified, — ranked without a star."""
    from rich.text import Text

    table = _table(text("history_title", lang))
    table.add_column(label("community_id", lang))
    table.add_column(label("name", lang))
    table.add_column(label("area", lang))
    for year in years:
        table.add_column(year, style="yellow")
    cells: dict[tuple[str, str], Any] = {}
    for row in frame.to_dict("records"):
        if row["disqualified"]:
            cell = Text("✗", style="red")
        elif _missing(row["stars"]):
            cell = Text("—", style="dim")
        else:
            cell = Text(star_text(row["stars"]))
        cells[(str(row["community_id"]), str(row["year"]))] = cell
    communities = frame.drop_duplicates("community_id").sort_values("community_id")
    for row in communities.to_dict("records"):
        community = str(row["community_id"])
        table.add_row(
            Text(community),
            Text(str(row["name"])),
            Text(str(row["area"])),
            *(cells.get((community, year), "") for year in years),
        )
    table.caption = Text(text("history_legend", lang))
    return table
