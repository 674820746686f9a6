"""Every header spelling the tool accepts, in one place.

Each year-folder file has canonical English column names; clerks may write
the Chinese ones instead. Header cells are compared after NFKC normalisation,
case folding and removal of spaces, so "社区 编号", "Community_ID" and
"community id" all match.
"""

from __future__ import annotations

import unicodedata

# canonical column -> accepted spellings (canonical name is always accepted)
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "community_id": ("社区编号", "社区代码", "社区id", "community", "communityid"),
    "name": ("社区名称", "名称", "姓名", "指标名称", "居民姓名"),
    "area": ("地区", "所属地区", "街乡", "地区办事处"),
    "item_id": ("指标编号", "指标代码", "编号", "item"),
    "category": ("类别", "指标类别", "一级指标"),
    "max_points": ("分值", "满分", "最高分", "max", "maxpoints", "points"),
    "resident_id": ("居民编号", "居民id", "resident"),
    "household": ("户号", "户编号", "户"),
    "compound": ("小区", "所在小区"),
    "eligible": ("是否有资格", "有资格", "资格", "是否符合条件"),
    "order": ("序号", "抽取顺序", "顺序"),
    "role": ("身份", "角色", "类型"),
    "group": ("评分组", "组别", "评分组别", "评分主体", "评分单位"),
    "rater_id": ("评分人编号", "评分人id", "rater", "评委编号", "打分人编号", "评分人代码"),
    "rater_name": ("评分人姓名", "评分人", "姓名", "评委姓名", "打分人姓名"),
    "date": ("日期", "评分日期", "发生日期", "打分日期", "填表日期"),
    "flag": ("取消资格情形", "情形", "取消资格原因", "原因"),
    "note": ("备注", "说明"),
}

# The columns each file must and may have. "name" means a different thing in
# each file, so its Chinese spellings are resolved per file below.
FILE_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # file kind: (required, optional)
    "communities": (("community_id", "name", "area"), ()),
    "criteria": (("item_id", "category", "name", "max_points"), ()),
    "roster": (
        ("community_id", "resident_id", "name"),
        ("household", "compound", "eligible"),
    ),
    "reps": (("community_id", "order", "resident_id", "role"), ("name",)),
    "flags": (("community_id", "flag"), ("date", "note")),
    "sheets": (("community_id", "group", "rater_id"), ("rater_name", "date")),
}

# Spellings of "name" that only count in one kind of file.
_NAME_ONLY_IN: dict[str, tuple[str, ...]] = {
    "communities": ("社区名称", "名称"),
    "criteria": ("指标名称", "名称"),
    "roster": ("姓名", "居民姓名"),
    "reps": ("姓名", "居民姓名"),
    "sheets": (),
}

GROUP_ALIASES: dict[str, str] = {
    "committee": "committee",
    "区农委": "committee",
    "农委": "committee",
    "区农委领导小组": "committee",
    "office": "office",
    "办事处": "office",
    "地区办事处": "office",
    "办事处评估小组": "office",
    "residents": "residents",
    "resident": "residents",
    "居民代表": "residents",
    "居民": "residents",
}

ROLE_ALIASES: dict[str, str] = {
    "rep": "rep",
    "representative": "rep",
    "代表": "rep",
    "居民代表": "rep",
    "alternate": "alternate",
    "候补": "alternate",
    "候补代表": "alternate",
}

# eligible: 符合/不符合 answer the 是否符合条件 header; ✔/✘ are the heavy ✓/✗
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "有", "t", "√", "✓", "✔", "符合"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "无", "f", "×", "✗", "✘", "不符合"})


# left out of a header key, with every kind of space
_HEADER_MARKS = str.maketrans("", "", "_-:：*（）()")


def header_key(text: object) -> str:
    """Normalise a header cell for comparison: NFKC, case folded, without spaces
    (str.split's are str.isspace's) and without _-:：*（）()."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(folded.translate(_HEADER_MARKS).split())


def alias_lookup(kind: str) -> dict[str, str]:
    """header_key -> canonical column for one kind of file."""
    required, optional = FILE_COLUMNS[kind]
    wanted = set(required) | set(optional)
    lookup: dict[str, str] = {}
    for canonical in wanted:
        lookup[header_key(canonical)] = canonical
        if canonical == "name":
            spellings: tuple[str, ...] = _NAME_ONLY_IN[kind]
        else:
            spellings = COLUMN_ALIASES.get(canonical, ())
        for spelling in spellings:
            lookup[header_key(spelling)] = canonical
    return lookup


# File names (without suffix) accepted for each file of a year folder.
FILE_STEMS: dict[str, tuple[str, ...]] = {
    "communities": ("communities", "社区", "社区名单", "参评社区"),
    "criteria": ("criteria", "评估标准", "指标", "评分标准"),
    "roster": ("roster", "居民名册", "花名册", "居民花名册"),
    "reps": ("reps", "居民代表", "代表名单"),
    "flags": ("flags", "取消资格", "一票否决"),
}

# Columns clerks add to a score sheet that the tool never reads: a total (recomputed),
# a row number, a note, a signature.
UNREAD_SHEET_COLUMN_KEYS = frozenset(
    header_key(h)
    for h in (
        *("合计", "总分", "小计", "total", "得分"),
        *("序号", "行号", "no", "备注", "说明", "note", "notes", "签字", "签名"),
    )
)

# Rows that close a table, known by their first filled-in cell (compared as headers
# are: "合 计：" too); no ID is ever one of these. A row summing it up (合计, 平均) ...
TOTALS_ROW_KEYS = frozenset(
    header_key(word)
    for word in (
        *("合计", "总计", "小计", "共计", "累计", "平均", "平均分", "平均值", "总分"),
        *("total", "totals", "sum", "subtotal", "average", "mean"),
    )
)
# ... and a note or the signatures under it (注：…, 制表人：王芳 审核人：李明), by how it starts.
FOOTER_ROW_PREFIXES = tuple(
    header_key(word)
    for word in (
        *("注", "备注", "说明", "制表", "填表", "审核", "负责人", "签字", "签名", "日期"),
        *("note", "prepared", "checked", "signed", "signature"),
    )
)


def closing_row_kind(text: object) -> str | None:
    """'totals' or 'footer' for the first filled-in cell of a row closing a table."""
    key = header_key(text)
    if key in TOTALS_ROW_KEYS:
        return "totals"
    return "footer" if key.startswith(FOOTER_ROW_PREFIXES) else None


# A group written in a longer form ("地区办事处星级和谐社区创建和评估小组") is known by
# the one word in it that names the body; checked in this order.
_GROUP_WORDS: tuple[tuple[str, str], ...] = (
    ("农委", "committee"),
    ("办事处", "office"),
    ("居民", "residents"),
)


def group_code(text: object) -> str | None:
    """A rater group as written (code, Chinese name or the document's long name) -> code."""
    key = header_key(text)
    code = GROUP_ALIASES.get(key)
    if code is not None or not key:
        return code
    matches = {group for word, group in _GROUP_WORDS if word in key}
    return matches.pop() if len(matches) == 1 else None
