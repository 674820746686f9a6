"""The Excel report of `rank --output results.xlsx`: rendering only, no arithmetic.

Every number comes from the Evaluation as the core computed it; this module only lays it
out. Sheets: ranking, chart (a native bar chart coloured by star level), group scores,
rater totals (carries names: for the area office only), disqualified, audit (scheme,
SHA-256 of every input, tool version, time of the run).

Text from the inputs is always stored as text, never as a formula (io.writing.text_cell),
and the same Evaluation always gives the same cells: only the generated_at value differs
between two runs on the same data.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starcommunity.io.writing import atomic_write, safe_sheet_title, text_cell
from starcommunity.model import (
    FLAG_NAMES_EN,
    FLAGS,
    GROUP_NAMES_ZH,
    GROUPS,
    STAR_VALUES,
    as_written,
)
from starcommunity.report.labels import AUDIT_TEXT
from starcommunity.report.labels import LABELS as COLUMN_LABELS

if TYPE_CHECKING:
    from starcommunity.evaluation import Evaluation

__all__ = ["write_report"]

SCORE_FORMAT = "0.00"
# A group's score (a mean) with the four decimals the terminal shows: with two, an
# auditor redoing the weighted total from the sheet could miss it by a cent.
GROUP_SCORE_FORMAT = "0.0000"
# A rater's total as it is: at least two decimals, and up to six when the item scores
# have more (40.125 + 40 = 80.125, which "0.00" would show as 80.13).
RATER_TOTAL_FORMAT = "0.00####"
EXACT_FORMAT = "0.000000"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = 60
MIN_WIDTH = 6
EXCEL_MAX_TEXT = 32767
# A fixed creation time when generated_at cannot be read, so the file stays reproducible.
FIXED_TIME = _dt.datetime(2000, 1, 1)

GROUP_NAMES_EN: dict[str, str] = {
    "committee": "District committee",
    "office": "Area office",
    "residents": "Resident representatives",
}

# Star level key -> fill colour of its bars (five gold, four silver-blue, three bronze).
STAR_COLOURS: dict[str, str] = {
    "five": "E6B800",
    "four": "8EA9DB",
    "three": "C65911",
    "none": "BFBFBF",
}
STAR_KEYS: dict[int, str] = {value: key for key, value in STAR_VALUES.items()}

# key: (中文, English)
LABELS: dict[str, tuple[str, str]] = {
    **COLUMN_LABELS,  # the columns every output shares
    **AUDIT_TEXT,  # the audit sheet's meanings and method
    # ... worded more fully here, where a header has room (the CSV headers stay as
    # scripts know them)
    "disqualified": ("取消资格情形", "Disqualified for"),
    "reward": ("奖励金额（元）", "Reward"),
    "previous_stars": ("上年星级", "Stars last year"),
    "change": ("与上年比较", "Change vs last year"),
    # sheet titles
    "sheet_ranking": ("排名", "Ranking"),
    "sheet_chart": ("图表", "Chart"),
    "sheet_groups": ("分组得分", "Group scores"),
    "sheet_raters": ("评分人得分", "Rater totals"),
    "sheet_flags": ("取消资格", "Disqualified"),
    "sheet_audit": ("审计", "Audit"),
    # columns
    "stars_text": ("星级（★）", "Stars (★)"),
    "note": ("说明", "Note"),
    "group": ("评分组", "Rater group"),
    "raters": ("评分人数", "Raters"),
    "used": ("计分人数（去掉最高最低分后）", "Used (after trimming)"),
    "score": ("得分", "Score"),
    "rater_id": ("评分人编号", "Rater ID"),
    "rater_name": ("评分人姓名", "Rater name"),
    "rater_total": ("评分合计", "Rater total"),
    "trimmed": ("是否去掉", "Trimmed"),
    "file": ("来源文件", "Source file"),
    "sheet": ("工作表", "Sheet"),
    "row": ("行号", "Row"),
    "flag_code": ("情形代码", "Flag code"),
    "wording": ("取消资格情形（方案原文）", "Reason (document wording)"),
    "wording_en": ("", "Reason (English)"),
    "date": ("日期", "Date"),
    "flag_note": ("备注", "Note"),
    "item": ("项目", "Item"),
    "value": ("值", "Value"),
    "sha256": ("SHA-256", "SHA-256"),
    "bytes": ("字节数", "Bytes"),
    # chart
    "chart_title": ("{year}年星级和谐社区评估总分", "Totals {year}, by star level"),
    "chart_y": ("总分", "Total"),
    "chart_x": ("社区", "Community"),
    "level_five": ("五星级", "Five stars"),
    "level_four": ("四星级", "Four stars"),
    "level_three": ("三星级", "Three stars"),
    "level_none": ("无星级", "No star"),
    # values
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "new": ("新获星级", "new"),
    "missing_groups": ("缺少评分：{groups}", "no scores from: {groups}"),
    "list_sep": ("；", "; "),
    "group_sep": ("、", ", "),
    "raters_header": (
        "内部资料：含评分人姓名，仅供办事处使用",
        "Internal: carries rater names, for the area office only",
    ),
    # audit items
    "audit_year": ("年度", "Year"),
    "audit_version": ("工具版本", "Tool version"),
    "audit_generated": ("生成时间", "Generated at"),
    "audit_source": ("方案文件", "Scheme file"),
    "audit_default": ("（默认方案）", "(defaults)"),
    "audit_inputs": ("输入文件", "Input files"),
}

CHANGE_SYMBOLS = {"up": "↑", "down": "↓", "same": "="}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CODE_SPLIT = re.compile(r"[;,；，、|]")


def write_report(path: Path, evaluation: Evaluation, lang: str = "zh") -> None:
    """Write the Excel report of one evaluated year to `path`, atomically."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    renderer = _Renderer(evaluation, "zh" if lang == "zh" else "en")
    workbook = Workbook()
    renderer.fill(workbook)

    def save(temporary: Path) -> None:
        # Workbook.save() stamps `modified` with the clock; ExcelWriter keeps ours.
        from zipfile import ZIP_DEFLATED, ZipFile

        archive = ZipFile(temporary, "w", ZIP_DEFLATED, allowZip64=True)
        try:
            ExcelWriter(workbook, archive).save()
        finally:
            archive.close()

    atomic_write(Path(path), save)


# ---------------------------------------------------------------------------------------
# values


def _plain(value: Any) -> Any:
    """A plain Python value for a cell: None for every kind of missing, no numpy scalars."""
    if value is None or isinstance(value, (str, bool, int, list, tuple, set, dict)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
    except (TypeError, ValueError):
        pass  # array-likes: pd.isna is not a single bool
    if hasattr(value, "tolist") and not isinstance(value, (_dt.date, _dt.datetime)):
        value = value.tolist()  # numpy scalars and arrays
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _clean_text(text: str) -> str:
    """Text Excel can hold: no control characters, at most 32767 characters."""
    return _ILLEGAL.sub("", text)[:EXCEL_MAX_TEXT]


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _codes(value: Any) -> list[str]:
    """Flag codes or group names held as a list, an array or a separated string."""
    value = _plain(value)
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in _CODE_SPLIT.split(value) if part.strip()]
    if isinstance(value, (list, tuple, set)):
        return [str(item) for item in value if _plain(item) is not None and str(item) != ""]
    return [str(value)]


def _as_int(value: Any) -> int | None:
    value = _plain(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _as_written(value: Any) -> str:
    """A number from the scheme as it was written: 0.15, not 0.15000000000000002."""
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return f"{as_written(value).normalize():f}"


def _percent(weight: float) -> str:
    """A weight as a percentage, every digit written kept (0.15 -> 15, 1/3 as 0.3333 ->
    33.33): the decimal point moved, nothing rounded."""
    return f"{as_written(weight).scaleb(2).normalize():f}"


def _fixed_time(generated_at: str) -> _dt.datetime:
    """The workbook's created/modified stamp: the run's time, else a constant."""
    try:
        moment = _dt.datetime.fromisoformat(str(generated_at))
    except ValueError:
        return FIXED_TIME
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


# ---------------------------------------------------------------------------------------
# rendering


class _Renderer:
    def __init__(self, evaluation: Evaluation, lang: str) -> None:
        self.evaluation = evaluation
        self.lang = lang
        self.zh = lang == "zh"
        self.titles: set[str] = set()
        self.communities = self._records(evaluation.communities)
        self.names = {
            str(_plain(row.get("community_id"))): _plain(row.get("name"))
            for row in self.communities
        }

    # -- helpers -----------------------------------------------------------------------

    def t(self, key: str) -> str:
        chinese, english = LABELS[key]
        return chinese if self.zh else english

    @staticmethod
    def _records(frame: Any) -> list[dict[str, Any]]:
        if frame is None:
            return []
        return list(frame.to_dict("records"))

    def group_name(self, group: Any) -> str:
        group = "" if _plain(group) is None else str(group)
        names = GROUP_NAMES_ZH if self.zh else GROUP_NAMES_EN
        return names.get(group, group)

    def group_header(self, group: str) -> str:
        weight = _plain(self.evaluation.scheme.weights.get(group))
        share = f"{_percent(weight)}%" if isinstance(weight, (int, float)) else ""
        if self.zh:
            return f"{GROUP_NAMES_ZH[group]}评分" + (f"（{share}）" if share else "")
        return f"{GROUP_NAMES_EN[group]}" + (f" ({share})" if share else "")

    def flag_reason(self, code: str) -> str:
        if self.zh:
            return FLAGS.get(code, code)
        return FLAG_NAMES_EN.get(code, code)

    def yes_no(self, value: Any) -> str | None:
        value = _plain(value)
        if value is None:
            return None
        return self.t("yes") if bool(value) else self.t("no")

    def sheet(self, workbook: Any, key: str) -> Any:
        return workbook.create_sheet(safe_sheet_title(self.t(key), self.titles))

    def put(self, worksheet: Any, row: int, column: int, value: Any, fmt: str | None = None):
        cell = worksheet.cell(row=row, column=column)
        value = _plain(value)
        if isinstance(value, (list, tuple, set)):
            value = self.t("list_sep").join(str(item) for item in value)
        if isinstance(value, _dt.datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if isinstance(value, bool):
            value = self.yes_no(value)
        elif value is not None and not isinstance(
            value, (str, int, float, _dt.date, _dt.datetime, _dt.time)
        ):
            value = str(value)
        if isinstance(value, str):
            value = _clean_text(value)
        text_cell(cell, value)
        if isinstance(value, (_dt.date, _dt.datetime)):
            cell.number_format = DATE_FORMAT
        elif fmt is not None and isinstance(value, (int, float)):
            cell.number_format = fmt
        return cell

    def table(
        self,
        worksheet: Any,
        columns: list[tuple[str, str | None]],
        rows: list[list[Any]],
        start_row: int = 1,
        *,
        auto_filter: bool = True,
    ) -> int:
        """A header row, then data rows; bold header, auto filter. Returns the last row."""
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="DDEBF7")
        for index, (header, _) in enumerate(columns, start=1):
            cell = self.put(worksheet, start_row, index, header)
            cell.font = bold
            cell.fill = fill
        for offset, values in enumerate(rows, start=1):
            for index, ((_, fmt), value) in enumerate(zip(columns, values, strict=True), 1):
                self.put(worksheet, start_row + offset, index, value, fmt)
        last_row = start_row + len(rows)
        if auto_filter:
            last_column = get_column_letter(len(columns))
            worksheet.auto_filter.ref = f"A{start_row}:{last_column}{last_row}"
        if start_row == 1:
            worksheet.print_title_rows = "1:1"  # the header on every printed page
        return last_row

    @staticmethod
    def fit_columns(worksheet: Any) -> None:
        from openpyxl.utils import get_column_letter

        widths: dict[int, int] = {}
        for row in worksheet.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                if isinstance(value, float) and cell.number_format == SCORE_FORMAT:
                    text = f"{value:.2f}"
                elif isinstance(value, float) and cell.number_format == GROUP_SCORE_FORMAT:
                    text = f"{value:.4f}"
                elif isinstance(value, float) and cell.number_format == RATER_TOTAL_FORMAT:
                    whole, _, decimals = f"{value:.6f}".partition(".")
                    text = f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"
                elif isinstance(value, (_dt.date, _dt.datetime)):
                    text = "2008-12-31"
                else:
                    text = str(value)
                width = max((_display_width(line) for line in text.splitlines()), default=0)
                widths[cell.column] = max(widths.get(cell.column, 0), width)
        for column, width in sorted(widths.items()):
            letter = get_column_letter(column)
            # +2 for the filter button and padding.
            worksheet.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)

    # -- sheets ------------------------------------------------------------------------

    def fill(self, workbook: Any) -> None:
        evaluation = self.evaluation
        for worksheet in list(workbook.worksheets):  # the empty sheet Workbook() starts with
            workbook.remove(worksheet)
        moment = _fixed_time(evaluation.generated_at)
        properties = workbook.properties
        properties.created = moment
        properties.modified = moment
        properties.creator = f"starcommunity {evaluation.tool_version}".strip()
        properties.title = (
            f"{evaluation.year}年星级和谐社区评估结果"
            if self.zh
            else f"Star-rated harmonious communities {evaluation.year}"
        )
        ranking = self.ranking_sheet(workbook)
        self.chart_sheet(workbook)
        self.groups_sheet(workbook)
        self.raters_sheet(workbook)
        self.flags_sheet(workbook)
        self.audit_sheet(workbook)
        workbook.active = workbook.worksheets.index(ranking)

    def ranking_sheet(self, workbook: Any) -> Any:
        worksheet = self.sheet(workbook, "sheet_ranking")
        with_rewards = bool(self.evaluation.scheme.rewards)
        columns: list[tuple[str, str | None]] = [
            (self.t("rank"), None),
            (self.t("community_id"), None),
            (self.t("name"), None),
            (self.t("area"), None),
            *[(self.group_header(group), GROUP_SCORE_FORMAT) for group in GROUPS],
            (self.t("total"), SCORE_FORMAT),
            (self.t("stars"), None),
            (self.t("stars_text"), None),
            (self.t("disqualified"), None),
        ]
        if with_rewards:
            columns.append((self.t("reward"), MONEY_FORMAT))
        columns += [
            (self.t("previous_stars"), None),
            (self.t("change"), None),
            (self.t("note"), None),
            (self.t("total_exact"), EXACT_FORMAT),
        ]
        rows = []
        for record in self.communities:
            stars = _as_int(record.get("stars"))
            codes = _codes(record.get("disqualified"))
            values: list[Any] = [
                _as_int(record.get("rank")),
                record.get("community_id"),
                record.get("name"),
                record.get("area"),
                *[record.get(group) for group in GROUPS],
                record.get("total"),
                stars,
                "★" * stars if stars else None,
                self.t("list_sep").join(self.flag_reason(code) for code in codes) or None,
            ]
            if with_rewards:
                values.append(record.get("reward"))
            values += [
                _as_int(record.get("previous_stars")),
                self.change_text(record.get("change")),
                self.note_text(record),
                record.get("total_exact"),
            ]
            rows.append(values)
        self.table(worksheet, columns, rows)
        worksheet.freeze_panes = "D2"  # header row, and rank/id/name stay in view
        worksheet.page_setup.orientation = "landscape"
        worksheet.page_setup.fitToWidth = 1
        worksheet.page_setup.fitToHeight = 0
        worksheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.fit_columns(worksheet)
        return worksheet

    def change_text(self, value: Any) -> str | None:
        value = _plain(value)
        if value is None or value == "":
            return None
        if value == "new":
            return self.t("new")
        return CHANGE_SYMBOLS.get(str(value), str(value))

    def note_text(self, record: dict[str, Any]) -> str | None:
        missing = _codes(record.get("missing"))
        if not missing:
            return None
        groups = self.t("group_sep").join(self.group_name(group) for group in missing)
        return self.t("missing_groups").format(groups=groups)

    def chart_sheet(self, workbook: Any) -> Any:
        """A data table of totals split by star level, and a bar chart drawn from it."""
        from openpyxl.chart import BarChart, Reference
        from openpyxl.chart.data_source import AxDataSource, StrRef

        worksheet = self.sheet(workbook, "sheet_chart")
        levels = ["five", "four", "three", "none"]
        columns: list[tuple[str, str | None]] = [
            (self.t("community_id"), None),
            (self.t("name"), None),
            *[(self.t(f"level_{level}"), SCORE_FORMAT) for level in levels],
        ]
        rows = []
        used: set[str] = set()
        for record in self.communities:
            total = _plain(record.get("total"))
            if not isinstance(total, (int, float)) or isinstance(total, bool):
                continue  # no published total, no bar
            stars = _as_int(record.get("stars"))
            level = STAR_KEYS.get(stars, "none") if stars is not None else "none"
            used.add(level)
            name = _plain(record.get("name"))
            rows.append(
                [
                    record.get("community_id"),
                    name if name not in (None, "") else record.get("community_id"),
                    *[total if level == key else None for key in levels],
                ]
            )
        last_row = self.table(worksheet, columns, rows)
        worksheet.freeze_panes = "A2"
        self.fit_columns(worksheet)

        chart = BarChart()
        chart.type = "col"
        chart.grouping = "clustered"
        chart.overlap = 100  # one bar per community: the other levels are blank there
        chart.gapWidth = 50
        chart.title = self.t("chart_title").format(year=self.evaluation.year)
        chart.y_axis.title = self.t("chart_y")
        chart.x_axis.title = self.t("chart_x")
        chart.y_axis.number_format = SCORE_FORMAT
        chart.x_axis.delete = False  # openpyxl 3.1 otherwise hides the axes in Excel
        chart.y_axis.delete = False
        chart.legend.position = "b"
        if rows:
            categories = Reference(worksheet, min_col=2, min_row=2, max_row=last_row)
            for offset, level in enumerate(levels):
                if level not in used:
                    continue
                column = 3 + offset
                data = Reference(worksheet, min_col=column, min_row=1, max_row=last_row)
                chart.add_data(data, titles_from_data=True)
                series = chart.series[-1]
                series.graphicalProperties.solidFill = STAR_COLOURS[level]
                series.graphicalProperties.line.solidFill = STAR_COLOURS[level]
            for series in chart.series:
                # names are text: a string reference, so every viewer shows them as labels
                series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
        chart.width = max(16.0, 1.6 * len(rows))
        chart.height = 9.0
        worksheet.add_chart(chart, "H2")
        return worksheet

    def groups_sheet(self, workbook: Any) -> Any:
        worksheet = self.sheet(workbook, "sheet_groups")
        columns: list[tuple[str, str | None]] = [
            (self.t("community_id"), None),
            (self.t("name"), None),
            (self.t("group"), None),
            (self.t("raters"), None),
            (self.t("used"), None),
            (self.t("score"), GROUP_SCORE_FORMAT),
        ]
        rows = []
        for record in self._records(self.evaluation.groups):
            community = _plain(record.get("community_id"))
            rows.append(
                [
                    community,
                    self.names.get(str(community)),
                    self.group_name(record.get("group")),
                    record.get("raters"),
                    record.get("used"),
                    record.get("score"),
                ]
            )
        self.table(worksheet, columns, rows)
        worksheet.freeze_panes = "A2"
        self.fit_columns(worksheet)
        return worksheet

    def raters_sheet(self, workbook: Any) -> Any:
        worksheet = self.sheet(workbook, "sheet_raters")
        columns: list[tuple[str, str | None]] = [
            (self.t("community_id"), None),
            (self.t("group"), None),
            (self.t("rater_id"), None),
            (self.t("rater_name"), None),
            (self.t("rater_total"), RATER_TOTAL_FORMAT),
            (self.t("trimmed"), None),
            (self.t("file"), None),
            (self.t("sheet"), None),
            (self.t("row"), None),
        ]
        rows = []
        for record in self._records(self.evaluation.raters):
            rows.append(
                [
                    record.get("community_id"),
                    self.group_name(record.get("group")),
                    record.get("rater_id"),
                    record.get("rater_name"),
                    record.get("total"),
                    self.yes_no(record.get("trimmed")),
                    record.get("_file"),
                    record.get("_sheet"),
                    record.get("_row"),
                ]
            )
        self.table(worksheet, columns, rows)
        worksheet.freeze_panes = "A2"
        worksheet.oddHeader.center.text = self.t("raters_header")  # printed on every page
        self.fit_columns(worksheet)
        return worksheet

    def flags_sheet(self, workbook: Any) -> Any:
        worksheet = self.sheet(workbook, "sheet_flags")
        columns: list[tuple[str, str | None]] = [
            (self.t("community_id"), None),
            (self.t("name"), None),
            (self.t("flag_code"), None),
            (self.t("wording"), None),
        ]
        if not self.zh:
            columns.append((self.t("wording_en"), None))
        columns += [(self.t("date"), None), (self.t("flag_note"), None)]
        rows = []
        for record in self._records(self.evaluation.flags):
            community = _plain(record.get("community_id"))
            code = _plain(record.get("flag_code"))
            code_text = "" if code is None else str(code)
            wording = _plain(record.get("wording")) or FLAGS.get(code_text, code_text)
            values = [community, self.names.get(str(community)), code, wording]
            if not self.zh:
                values.append(FLAG_NAMES_EN.get(code_text))
            values += [record.get("date"), record.get("note")]
            rows.append(values)
        self.table(worksheet, columns, rows)
        worksheet.freeze_panes = "A2"
        self.fit_columns(worksheet)
        return worksheet

    def audit_items(self) -> list[list[Any]]:
        """[item, value, meaning]: the run, then every scheme value the numbers rest on."""
        evaluation = self.evaluation
        scheme = evaluation.scheme.to_dict()
        items: list[list[Any]] = [
            [self.t("audit_year"), evaluation.year, None],
            [self.t("audit_version"), evaluation.tool_version, None],
            [self.t("audit_generated"), evaluation.generated_at, None],
            [self.t("audit_source"), scheme.get("source") or self.t("audit_default"), None],
        ]
        stars = dict(scheme.get("stars") or {})
        policy = stars.get("policy")
        for section, content in scheme.items():
            if section == "source":
                continue
            if section == "stars":
                # the policy, and only the parameters that policy reads
                content = {
                    key: value for key, value in stars.items() if key == "policy" or key == policy
                }
            items += [
                [key, value, self.meaning(key)] for key, value in self._flatten(section, content)
            ]
        return items

    def meaning(self, key: str) -> str | None:
        """What an audit item is, in the report's words (the group as the sheets name it)."""
        section, _, rest = key.partition(".")
        name = rest.rpartition(".")[2]
        if section in ("weights", "timeline") and name in GROUPS:
            return self.t(section).format(group=self.group_name(name))
        if section == "raters" and name in GROUPS:
            exact = "raters_minimum" if name == "committee" else "raters_exact"
            return self.t(exact).format(group=self.group_name(name))
        if section in ("rewards", "stars") and name in STAR_VALUES:
            kind = "rewards" if section == "rewards" else rest.partition(".")[0]
            if kind in ("rewards", "shares", "thresholds"):
                return self.t(kind).format(level=self.t(f"level_{name}"))
        if key in LABELS:
            return self.t(key)
        return None

    def method_steps(self) -> list[str]:
        """How every number of the report is computed, with the scheme's values filled in."""
        scheme = self.evaluation.scheme
        steps = [self.t("method_rater_total")]
        if scheme.trim > 0:
            steps.append(
                self.t("method_trim").format(
                    trim=_as_written(scheme.trim), trim_min=_as_written(scheme.trim_min)
                )
            )
        else:
            steps.append(self.t("method_no_trim"))
        steps.append(self.t("method_group"))
        formula = " + ".join(
            f"{self.group_name(group)} × {_as_written(scheme.weights.get(group))}"
            for group in GROUPS
            if group in scheme.weights
        )
        steps += [
            self.t("method_total").format(formula=formula),
            self.t("method_round"),
            self.t("method_rank"),
        ]
        policy = scheme.star_policy
        if policy == "shares":
            steps.append(
                self.t("method_shares").format(
                    five=_as_written(scheme.shares.get("five")),
                    four=_as_written(scheme.shares.get("four")),
                )
            )
        elif policy == "thresholds":
            steps.append(
                self.t("method_thresholds").format(
                    **{level: _as_written(scheme.thresholds.get(level)) for level in STAR_VALUES}
                )
            )
        else:
            steps.append(self.t("method_thirds"))
        if scheme.rewards:
            steps.append(self.t("method_rewards"))
        return steps

    def _flatten(self, prefix: str, content: Any) -> list[list[Any]]:
        if isinstance(content, dict):
            rows: list[list[Any]] = []
            for key, value in content.items():
                rows += self._flatten(f"{prefix}.{key}", value)
            return rows
        if isinstance(content, (list, tuple)):
            return [[prefix, " – ".join(str(item) for item in content)]]
        return [[prefix, content]]

    def audit_sheet(self, workbook: Any) -> Any:
        from openpyxl.styles import Alignment, Font

        worksheet = self.sheet(workbook, "sheet_audit")
        items = self.audit_items()
        last = self.table(
            worksheet,
            [(self.t("item"), None), (self.t("value"), None), (self.t("meaning"), None)],
            items,
            auto_filter=False,
        )
        # How each number is computed: a second table below, numbered steps.
        title_row = last + 2
        self.put(worksheet, title_row, 1, self.t("method_title")).font = Font(bold=True)
        steps = [[number, text] for number, text in enumerate(self.method_steps(), 1)]
        last = self.table(
            worksheet,
            [(self.t("method_step"), None), (self.t("method_text"), None)],
            steps,
            start_row=title_row + 1,
            auto_filter=False,
        )
        for row in range(title_row + 2, last + 1):
            worksheet.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        # The input files: a third table below; Excel allows one auto filter per sheet,
        # and it goes on this one.
        title_row = last + 2
        self.put(worksheet, title_row, 1, self.t("audit_inputs")).font = Font(bold=True)
        rows = [
            [entry.get("file"), entry.get("sha256"), entry.get("bytes")]
            for entry in (self.evaluation.inputs or [])
        ]
        self.table(
            worksheet,
            [(self.t("file"), None), (self.t("sha256"), None), (self.t("bytes"), None)],
            rows,
            start_row=title_row + 1,
        )
        worksheet.freeze_panes = "A2"
        self.fit_columns(worksheet)
        return worksheet
