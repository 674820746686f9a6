"""The public notice (公示名单) of the drawn representatives, as an .xlsx workbook.

Rendering only: the caller reads the year and hands over the reps. The notice is
posted on notice boards, so every name and resident ID is masked here (王*明,
NM******42) whatever the caller passes; masking in the renderer means no caller can
forget it. Every text cell goes through ``text_cell`` so that a resident called
``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from starcommunity.draw import ROLE_ALTERNATE, ROLE_REP, mask_reps
from starcommunity.io.writing import atomic_write, safe_sheet_title, text_cell

if TYPE_CHECKING:
    import pandas as pd

ROLE_ZH = {ROLE_REP: "居民代表", ROLE_ALTERNATE: "候补代表"}
HEADERS = ("序号", "姓名", "居民编号", "小区", "身份")
WIDTHS = (8, 14, 18, 22, 12)
HEADER_ROW = 3  # row 1 title, row 2 the counts, then the table


@dataclass(frozen=True)
class NoticeSheet:
    """One sheet of the notice, for the command's summary."""

    sheet: str
    community_id: str
    compound: str
    reps: int
    alternates: int


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def build_notice(
    reps: pd.DataFrame,
    community_names: Mapping[str, str],
    year: str,
    note: str | None = None,
) -> tuple[Workbook, list[NoticeSheet]]:
    """The notice workbook: one sheet per compound of each community, or one per
    community whose representatives have no compound.

    ``reps`` has community_id, order, resident_id, name, role and optionally compound
    (unmasked; they are masked here). ``note`` is printed under each table (the seed
    and method, so anyone can redo the draw).
    """
    masked = mask_reps(reps)
    if "compound" not in masked.columns:
        masked = masked.assign(compound="")
    masked = masked.assign(
        compound=masked["compound"].map(_text),
        community_id=masked["community_id"].map(_text),
    )
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    sheets: list[NoticeSheet] = []
    for community_id in sorted(masked["community_id"].unique()):
        rows = masked[masked["community_id"] == community_id]
        community = community_names.get(community_id) or community_id
        compounds = sorted(rows["compound"].unique())
        if compounds == [""]:
            parts = [("", rows)]
        else:
            parts = [(c, rows[rows["compound"] == c]) for c in compounds]
        for compound, part in parts:
            if compound:
                wanted = compound
                title = f"{year}年{community}居民代表公示名单（{compound}）"
            elif len(parts) > 1:  # some reps of a compound-split community have none
                wanted = f"{community}（未填小区）"
                title = f"{year}年{community}居民代表公示名单（未填小区）"
            else:
                wanted = community
                title = f"{year}年{community}居民代表公示名单"
            sheet = workbook.create_sheet(safe_sheet_title(wanted, taken))
            counts = _write_sheet(sheet, title, part, note)
            sheets.append(NoticeSheet(sheet.title, community_id, compound, *counts))
    if not sheets:  # an empty workbook cannot be saved; say so in the file itself
        sheet = workbook.create_sheet(safe_sheet_title("公示名单"))
        text_cell(sheet.cell(row=1, column=1), f"{year}年居民代表公示名单：尚无抽取结果")
    return workbook, sheets


def _write_sheet(
    sheet: Worksheet, title: str, part: pd.DataFrame, note: str | None
) -> tuple[int, int]:
    reps = int((part["role"] == ROLE_REP).sum())
    alternates = int((part["role"] == ROLE_ALTERNATE).sum())
    text_cell(sheet.cell(row=1, column=1), title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    counts = f"居民代表{reps}名" + (f"，候补代表{alternates}名" if alternates else "")
    text_cell(sheet.cell(row=2, column=1), counts + "（姓名和编号已部分隐去）")
    for column, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column)
        text_cell(cell, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    order_key = part["order"].map(_order_number)
    row_number = HEADER_ROW
    for row in part.assign(_key=order_key).sort_values("_key", kind="stable").itertuples():
        row_number += 1
        order = _order_number(row.order)
        sheet.cell(row=row_number, column=1, value=order if order < 1 << 30 else None)
        text_cell(sheet.cell(row=row_number, column=2), _text(row.name))
        text_cell(sheet.cell(row=row_number, column=3), _text(row.resident_id))
        text_cell(sheet.cell(row=row_number, column=4), _text(row.compound))
        role = _text(row.role)
        text_cell(sheet.cell(row=row_number, column=5), ROLE_ZH.get(role, role))
    if note:
        text_cell(sheet.cell(row=row_number + 2, column=1), note)
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    # printed on the notice board: one page wide, headers repeated on every page
    sheet.print_title_rows = f"1:{HEADER_ROW}"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    return reps, alternates


def _order_number(value: object) -> int:
    """Orders come back from reps.csv as text; unreadable ones sort last."""
    try:
        return int(float(_text(value)))
    except (ValueError, OverflowError):  # 'x', 'nan', 'inf', '1e400'
        return 1 << 30


def write_notice(path: Path, workbook: Workbook) -> None:
    """Save atomically, so an interrupted run never leaves half a notice."""
    atomic_write(path, lambda temporary: workbook.save(temporary))
