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


# The Excel report's audit sheet: what each scheme value means, and how every number of
# the report is computed, so that an auditor can redo them from the workbook alone.
# key: (中文, English); {placeholders} are filled in by the report, never computed there.
AUDIT_TEXT: dict[str, tuple[str, str]] = {
    "meaning": ("含义", "Meaning"),
    "method_title": ("计算方法", "How each number is computed"),
    "method_step": ("步骤", "Step"),
    "method_text": ("计算", "Computation"),
    # what each audit item means
    "weights": ("{group}评分的权重", "Weight of the {group} score"),
    "raters_exact": (
        "每个社区{group}评分人数（须正好）",
        "Raters from the {group} per community (exactly)",
    ),
    "raters_minimum": (
        "每个社区{group}评分人数（至少）",
        "Raters from the {group} per community (at least)",
    ),
    "scoring.trim": (
        "每组去掉几个最高分和几个最低分（0 = 不去掉）",
        "How many highest and lowest totals each group drops (0 = none)",
    ),
    "scoring.trim_min": (
        "只有评分人数多于此数的组才去掉最高、最低分",
        "Only groups with more raters than this drop any",
    ),
    "stars.policy": (
        "星级办法（thirds = 按名次各约三分之一，shares = 按比例，thresholds = 按最低分）",
        "Star policy (thirds, shares of the ranked, or thresholds: minimum totals)",
    ),
    "shares": ("{level}名额占有名次社区的比例", "Share of the ranked communities for {level}"),
    "thresholds": ("{level}的最低总分", "Minimum total for {level}"),
    "timeline": ("{group}打分日期（起止）", "{group} scoring dates (from – to)"),
    "rewards": ("{level}奖励金额（元）", "Reward for {level}"),
    # how each number is computed
    "method_rater_total": (
        "评分合计 = 该评分人各项得分之和。各项得分不在本报告中：见“评分人得分”表所列"
        "来源文件、工作表和行号，文件的 SHA-256 见下表。",
        "Rater total = the sum of the rater's item scores. The item scores are not in this "
        "report: see the source file, sheet and row listed on the Rater totals sheet, and "
        "each file's SHA-256 below.",
    ),
    "method_trim": (
        "每个社区的每个评分组，评分人数多于 {trim_min} 人（且多于 2 × {trim} 人）时，去掉 {trim} 个"
        "最高的和 {trim} 个最低的评分合计（“评分人得分”表“是否去掉”为“是”；合计相同时按评分人"
        "编号排序）。",
        "In each community's group of more than {trim_min} raters (and more than 2 x {trim}), "
        "the {trim} highest and {trim} lowest rater totals are dropped (Trimmed = yes on the "
        "Rater totals sheet; equal totals are ordered by rater ID).",
    ),
    "method_no_trim": (
        "不去掉最高分、最低分（scoring.trim = 0）。",
        "No rater total is dropped (scoring.trim = 0).",
    ),
    "method_group": (
        "分组得分 = 该组未去掉的评分合计的平均数。表中显示四位小数；总分用不舍入的平均数计算，"
        "核对时请用评分合计之和除以计分人数，而不是显示的四位小数。",
        "Group score = the mean of the group's rater totals not dropped. It is shown with 4 "
        "decimals, but the total is computed from the unrounded mean: to redo the total, "
        "divide the sum of the rater totals not dropped by the number used; do not start "
        "from the 4 decimals shown.",
    ),
    "method_total": ("总分（未舍入）= {formula}", "Total (unrounded) = {formula}"),
    "method_round": (
        "总分 = 总分（未舍入）按精确值四舍五入，保留两位小数（恰为半分 0.005 时进位）。",
        "Total = the unrounded total rounded half up to 2 decimals (exactly half a cent "
        "goes up; the exact value is rounded, not a float).",
    ),
    "method_rank": (
        "名次：评分齐全且未取消资格的社区，按总分（两位小数）从高到低排名；总分相同名次相同，"
        "下一名次空出（1、2、2、4）。取消资格或评分不全的社区无名次、无星级，不计入 n。",
        "Rank: the communities with every group's scores and not disqualified, by total (2 "
        "decimals), highest first; equal totals share a rank and the next rank is skipped "
        "(1, 2, 2, 4). A disqualified or incomplete community has no rank and no star and "
        "is not counted in n.",
    ),
    "method_thirds": (
        "星级：n = 有名次的社区数；五星级名额 = ⌈n/3⌉，四星级名额 = ⌈(n − 五星级名额)/2⌉。"
        "名次 ≤ 五星级名额为五星级，名次 ≤ 五星级名额 + 四星级名额为四星级，其余为三星级"
        "（按名次比较，并列的社区不会分在两级）。",
        "Stars: n = the number of ranked communities; five = ceil(n/3), four = "
        "ceil((n - five)/2). Rank <= five: five stars; rank <= five + four: four stars; the "
        "rest three stars (ranks are compared, so a tie is never split).",
    ),
    "method_shares": (
        "星级：n = 有名次的社区数；五星级名额 = ⌈n × {five}⌉，四星级名额 = ⌈n × ({five} + "
        "{four})⌉ − 五星级名额（按十进制精确计算）。名次 ≤ 五星级名额为五星级，名次 ≤ 五星级名额"
        " + 四星级名额为四星级，其余为三星级（并列的社区不会分在两级）。",
        "Stars: n = the number of ranked communities; five = ceil(n x {five}), four = "
        "ceil(n x ({five} + {four})) - five (in exact decimals). Rank <= five: five stars; "
        "rank <= five + four: four stars; the rest three stars (a tie is never split).",
    ),
    "method_thresholds": (
        "星级：有名次的社区，总分 ≥ {five} 为五星级，≥ {four} 为四星级，≥ {three} 为三星级；"
        "低于 {three} 的保留名次，无星级。",
        "Stars: a ranked community with a total >= {five} has five stars, >= {four} four, "
        ">= {three} three; below {three} it keeps its rank and has no star.",
    ),
    "method_rewards": (
        "奖励金额 = 该星级的奖励金额（上表 rewards.*）；无星级无奖励。",
        "Reward = the amount for the star level (rewards.* above); no star, no reward.",
    ),
}
