"""The Excel score forms handed out to the raters: one workbook per community.

Rendering only: the caller reads the year and passes the items and the raters.
The forms are built to be read back by ``starcommunity validate`` / ``rank`` with
no editing once filled in:

- one sheet per rater group (居民代表, 办事处, 区农委); row 1 a title, row 2 the
  header ``社区编号, 评分组, 评分人编号, 评分人姓名, 日期`` then one column per item,
  headed ``"A1 居委会依法选举（5分）"`` (the reader strips the bracketed maximum and
  matches id + name);
- no other columns, because an unknown column is an ``unknown-item`` error;
- the alternates go on a separate sheet 说明 (instructions) whose cells match no
  header, so the reader skips it with a ``no-header-row`` warning; listing them on
  the residents sheet would make blank score rows, which are errors;
- every score cell carries Excel data validation 0..max_points, so Excel refuses a
  typo before the sheet ever reaches the office.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from starcommunity.io.writing import atomic_write, safe_sheet_title, text_cell
from starcommunity.model import GROUP_NAMES_ZH

META_HEADERS = ("社区编号", "评分组", "评分人编号", "评分人姓名", "日期")
META_WIDTHS = (10, 10, 14, 12, 12)
TITLE_ROW = 1
HEADER_ROW = 2
FIRST_ROW = HEADER_ROW + 1
# Validation also covers this many rows below the pre-filled ones, for raters the
# office adds by hand (the committee is "at least 1").
SPARE_ROWS = 10
NOTES_SHEET = "说明"


@dataclass(frozen=True)
class FormItem:
    item_id: str
    name: str
    max_points: float


@dataclass(frozen=True)
class Rater:
    rater_id: str
    name: str = ""


def points(value: float) -> str:
    """5.0 -> '5', 2.5 -> '2.5'."""
    return f"{value:g}"


def item_header(item: FormItem) -> str:
    """'A1 居委会依法选举（5分）': id and name, the maximum as a bracketed note."""
    return f"{item.item_id} {item.name}（{points(item.max_points)}分）"


def build_form(
    year: str,
    community_id: str,
    community_name: str,
    items: Sequence[FormItem],
    residents: Sequence[Rater],
    alternates: Sequence[tuple[int, Rater]],
    office: Sequence[Rater],
    committee: Sequence[Rater],
) -> Workbook:
    """One community's workbook: sheets 居民代表, 办事处, 区农委 and 说明.

    ``alternates`` are (order, rater) pairs in order of substitution.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    label = community_name or community_id
    for group, raters in (("residents", residents), ("office", office), ("committee", committee)):
        group_zh = GROUP_NAMES_ZH[group]
        sheet = workbook.create_sheet(safe_sheet_title(group_zh, taken))
        title = f"{year}年{label}星级和谐社区评估评分表（{group_zh}）"
        _score_sheet(sheet, title, community_id, group_zh, items, raters)
    notes = workbook.create_sheet(safe_sheet_title(NOTES_SHEET, taken))
    _notes_sheet(notes, year, label, alternates, len(residents))
    workbook.active = 0
    return workbook


def _score_sheet(
    sheet: Worksheet,
    title: str,
    community_id: str,
    group_zh: str,
    items: Sequence[FormItem],
    raters: Sequence[Rater],
) -> None:
    text_cell(sheet.cell(row=TITLE_ROW, column=1), title)
    sheet.cell(row=TITLE_ROW, column=1).font = Font(bold=True, size=14)
    headers = [*META_HEADERS, *(item_header(item) for item in items)]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column)
        text_cell(cell, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    last_row = FIRST_ROW + len(raters) - 1
    for offset, rater in enumerate(raters):
        row = FIRST_ROW + offset
        for column, value in enumerate(
            (community_id, group_zh, rater.rater_id, rater.name), start=1
        ):
            cell = sheet.cell(row=row, column=column)
            text_cell(cell, value)
            cell.number_format = "@"  # IDs typed over by the clerk stay text
    validated_last = max(last_row, FIRST_ROW - 1) + SPARE_ROWS
    date_column = get_column_letter(len(META_HEADERS))
    for row in range(FIRST_ROW, validated_last + 1):
        sheet[f"{date_column}{row}"].number_format = "yyyy-mm-dd"
    first_item = len(META_HEADERS) + 1
    for offset, item in enumerate(items):
        letter = get_column_letter(first_item + offset)
        maximum = points(item.max_points)
        validation = DataValidation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2=maximum,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle="分数超出范围",
            error=f"“{item.name}”的得分应为0到{maximum}之间的数字。"[:255],  # Excel's limit
            showInputMessage=True,
            promptTitle=f"{item.item_id} {item.name}"[:32],  # Excel's limit for titles
            prompt=f"请填写0到{maximum}分",
        )
        validation.add(f"{letter}{FIRST_ROW}:{letter}{validated_last}")
        sheet.add_data_validation(validation)
        sheet.column_dimensions[letter].width = 12
    for column, width in enumerate(META_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 48
    sheet.freeze_panes = f"{get_column_letter(first_item)}{FIRST_ROW}"
    _print_on_a4(sheet, landscape=True)
    # the title and header on every printed page, and the cells' lines on paper: the
    # form is handed out printed, and a blank cell must show where to write
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    sheet.print_options.gridLines = True


def _print_on_a4(sheet: Worksheet, *, landscape: bool) -> None:
    """Printed on A4, as wide as the page (a form of 23 items spread over four pages)."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need


def _notes_sheet(
    sheet: Worksheet,
    year: str,
    label: str,
    alternates: Sequence[tuple[int, Rater]],
    residents: int,
) -> None:
    # No cell here may read as a score-sheet header (社区编号, 评分组, 评分人编号 ...),
    # or the reader would take this sheet for a score sheet.
    lines = [
        f"{year}年{label}星级和谐社区评估评分表填表说明",
        "1. 每位评分人填写一行；每项得分填写0到该项满分之间的数字（可有小数），"
        "不得空白，0分也要填写。",
        "2. 不要改动第2行表头，不要增加或删除列；社区、评分组和评分人已预先填好。",
        f"3. 居民代表共{residents}名。代表不能到场时，由候补代表按下列顺序递补："
        "在“居民代表”表中把该代表的编号和姓名改为候补代表的编号和姓名，不要另加一行。",
        "4. 区农委领导小组评分人多于一名时，在“区农委”表中接着往下填写。",
        "5. 填好后把本文件放入该年度文件夹的 sheets 目录，运行 starcommunity validate 检查。",
    ]
    for row, line in enumerate(lines, start=1):
        text_cell(sheet.cell(row=row, column=1), line)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    row = len(lines) + 2
    text_cell(sheet.cell(row=row, column=1), "候补代表（按递补顺序）")
    sheet.cell(row=row, column=1).font = Font(bold=True)
    if not alternates:
        text_cell(sheet.cell(row=row + 1, column=1), "本社区未抽取候补代表。")
    for number, (order, rater) in enumerate(alternates, start=1):
        text_cell(
            sheet.cell(row=row + number, column=1),
            f"第{number}候补（抽取顺序{order}）：{rater.rater_id} {rater.name}",
        )
    sheet.column_dimensions["A"].width = 100
    _print_on_a4(sheet, landscape=False)


def write_form(path: Path, workbook: Workbook) -> None:
    """Save atomically, so an interrupted run never leaves half a form."""
    atomic_write(path, lambda temporary: workbook.save(temporary))
