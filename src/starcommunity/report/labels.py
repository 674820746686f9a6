"""Column names shared by every output: the terminal tables, the CSV headers of score,
rank and history, and the Excel report. One place, so the same column is called the
same everywhere (an auditor compares the CSV with the workbook)."""

from __future__ import annotations

from starcommunity.model import GROUP_NAMES_ZH

# key: (中文, English). The CSV headers are a contract scripts rely on: reword with care.
LABELS: dict[str, tuple[str, str]] = {
    "rank": ("名次", "Rank"),
    "community_id": ("社区编号", "Community ID"),
    "name": ("社区名称", "Community"),
    "community": ("社区", "Community"),
    "area": ("地区", "Area"),
    "committee": (GROUP_NAMES_ZH["committee"], "Committee"),
    "office": (GROUP_NAMES_ZH["office"], "Office"),
    "residents": (GROUP_NAMES_ZH["residents"], "Residents"),
    "total": ("总分", "Total"),
    "total_exact": ("总分（未舍入）", "Total (unrounded)"),
    "stars": ("星级", "Stars"),
    "disqualified": ("取消资格情形", "Disqualified"),
    "complete": ("评分齐全", "Complete"),
    "missing": ("缺少评分组", "Missing groups"),
    "short": ("人数不足的评分组", "Groups short of raters"),
    "status": ("状态", "Status"),
    "reward": ("奖励（元）", "Reward"),
    "previous_stars": ("上年星级", "Stars the year before"),
    "change": ("较上年", "Change"),
    "committee_raters": ("区农委人数", "Committee raters"),
    "office_raters": ("办事处人数", "Office raters"),
    "residents_raters": ("居民代表人数", "Resident raters"),
}


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en
