"""Read one CSV or .xlsx file as clerks write them into raw grids, then find the header.

A grid is a DataFrame of cell values with integer columns (0 = column A) and an
index that is the row number the user sees (1-based). Nothing here knows what a
file means; :mod:`starcommunity.io.year` gives the grids their meaning.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starcommunity.io.headers import header_key
from starcommunity.problems import Report, excel_column_letter

if TYPE_CHECKING:
    import pandas as pd

CSV_SUFFIXES = frozenset({".csv", ".txt"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
HEADER_SEARCH_ROWS = 30
# Refuse workbooks that would unpack to more than this (zip bombs).
MAX_UNPACKED_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 200


@dataclass
class Grid:
    """One sheet (or one CSV file) before its header is known."""

    file: str  # as shown to the user, relative to the year folder
    sheet: str | None  # None for CSV
    cells: pd.DataFrame  # object values; index = user row number; columns = 0-based index
    encoding: str | None = None
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    from_excel: bool = False


@dataclass
class Table:
    """A grid with its header found: canonical columns plus unmatched extras."""

    file: str
    sheet: str | None
    header_row: int
    frame: pd.DataFrame  # columns: canonical names / item ids, "_row" = user row number
    headers: dict[str, tuple[str, str]]  # frame column -> (header as written, Excel letter)
    extras: dict[int, str]  # unmatched non-blank headers: column index -> header text
    from_excel: bool = False

    def column_label(self, column: str) -> str | None:
        if column not in self.headers:
            return None
        header, letter = self.headers[column]
        return f"{header} ({letter})"


def detect_encoding(data: bytes) -> tuple[str | None, int | None]:
    """BOM first, then strict UTF-8, then GB18030. Returns (encoding, bad byte offset)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", None
    try:
        data.decode("utf-8")
        return "utf-8", None
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030", None
    except UnicodeDecodeError as exc:
        return None, exc.start


def read_grids(path: Path, display: str, report: Report) -> list[Grid]:
    """Every sheet of a workbook, or the one grid of a CSV; problems go to the report."""
    suffix = path.suffix.lower()
    try:
        if suffix in EXCEL_SUFFIXES:
            return _read_excel(path, display, report)
        if suffix in CSV_SUFFIXES:
            grid = _read_csv(path, display, report)
            return [grid] if grid is not None else []
    except OSError as exc:
        report.add("unreadable-file", file=display, reason=exc.strerror or str(exc))
        return []
    report.add("unsupported-file-type", file=display, value=path.suffix)
    return []


def _read_csv(path: Path, display: str, report: Report) -> Grid | None:
    import pandas as pd

    data = path.read_bytes()
    if not data.strip():
        report.add("empty-file", file=display)
        return None
    encoding, bad_offset = detect_encoding(data)
    if encoding is None:
        assert bad_offset is not None
        line = data.count(b"\n", 0, bad_offset) + 1
        report.add(
            "unknown-encoding",
            file=display,
            row=line,
            value=f"0x{data[bad_offset]:02X}",
            offset=bad_offset,
        )
        return None
    if b"\x00" in data and encoding != "utf-16":
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        report.add("nul-byte", file=display, row=line)
        return None
    text = data.decode(encoding)
    del data
    # Title rows have fewer fields than the table below; the csv module copes, so it
    # finds the widest row first and pandas then reads with that many columns.
    sample = text[: 1 << 20].splitlines()[: HEADER_SEARCH_ROWS * 4]
    width = max((len(row) for row in _csv_rows(sample)), default=1)
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            header=None,
            names=range(width),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            on_bad_lines="error",
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        cells = _read_csv_leniently(text, display, report, exc)
        if cells is None:
            return None
    cells.index = range(1, len(cells) + 1)
    return Grid(file=display, sheet=None, cells=cells, encoding=encoding)


def _csv_rows(lines: list[str]) -> list[list[str]]:
    try:
        return list(csv.reader(lines))
    except csv.Error:
        return [line.split(",") for line in lines]


def _read_csv_leniently(
    text: str, display: str, report: Report, exc: Exception
) -> pd.DataFrame | None:
    """Rows wider than the header area: read with the csv module, pad to the widest row."""
    import pandas as pd

    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as csv_exc:
        report.add("unreadable-file", file=display, reason=str(csv_exc) or str(exc))
        return None
    width = max((len(row) for row in rows), default=0)
    if width == 0:
        report.add("empty-file", file=display)
        return None
    return pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype=object)


def _check_zip(path: Path, display: str, report: Report) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        report.add("not-a-workbook", file=display)
        return False
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
        report.add("workbook-too-large", file=display, value=unpacked)
        return False
    return True


def _read_excel(path: Path, display: str, report: Report) -> list[Grid]:
    import pandas as pd
    import python_calamine

    if path.stat().st_size == 0:
        report.add("empty-file", file=display)
        return []
    if not _check_zip(path, display, report):
        return []
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt files
        report.add("not-a-workbook", file=display, reason=str(exc)[:200])
        return []
    grids: list[Grid] = []
    for sheet_name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(sheet_name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except Exception as exc:
            report.add("unreadable-sheet", file=display, sheet=sheet_name, reason=str(exc)[:200])
            continue
        if not rows:
            continue
        cells = pd.DataFrame(rows, dtype=object)
        cells.index = range(1, len(cells) + 1)
        grids.append(
            Grid(
                file=display,
                sheet=sheet_name,
                cells=cells,
                merged=merged,
                from_excel=True,
            )
        )
    if not grids:
        report.add("empty-file", file=display)
    workbook.close()
    return grids


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return isinstance(value, str) and not value.strip()


def blank_mask(frame: pd.DataFrame) -> pd.DataFrame:
    """True where a cell is empty or only white space; column-wise, no Python loop over rows."""
    return frame.apply(lambda column: column.isna() | column.astype(str).str.strip().eq(""))


def cell_text(value: Any) -> str:
    """A cell as text: integral floats lose their '.0', text is NFKC-normalised and stripped."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        if hasattr(value, "isoformat"):
            return value.isoformat()
        value = str(value)
    return unicodedata.normalize("NFKC", value).strip()


_TRAILING_NOTE = re.compile(r"[\(（][^\)）]*[\)）]\s*$")


def strip_trailing_note(header: str) -> str:
    """'环境卫生（10分）' -> '环境卫生': headers may carry the maximum in brackets."""
    return _TRAILING_NOTE.sub("", header).strip()


def find_header(
    grid: Grid,
    lookup: dict[str, str],
    required: tuple[str, ...],
    extra_keys: dict[str, str] | None = None,
) -> tuple[int | None, dict[int, str], list[str]]:
    """Find the header row among the first rows.

    Returns (user row number or None, column index -> canonical name, missing required).
    The header row is the first row that has every required column; failing that, the
    row that matches the most canonical names (so "missing column" names the right row).
    """
    best: tuple[int, int | None, dict[int, str]] = (0, None, {})
    head = grid.cells.head(HEADER_SEARCH_ROWS)
    for row_number, values in head.iterrows():
        mapping: dict[int, str] = {}
        for column_index, value in values.items():
            if is_blank(value):
                continue
            key = header_key(cell_text(value))
            canonical = lookup.get(key)
            if canonical is None and extra_keys:
                canonical = extra_keys.get(header_key(strip_trailing_note(cell_text(value))))
            if canonical is not None and canonical not in mapping.values():
                mapping[int(column_index)] = canonical
        found = {c for c in mapping.values() if c in required}
        if len(found) == len(required):
            return int(row_number), mapping, []
        if len(found) > best[0]:
            best = (len(found), int(row_number), mapping)
    score, row_number, mapping = best
    missing = [c for c in required if c not in mapping.values()]
    return (row_number if score else None), mapping, missing


def make_table(grid: Grid, header_row: int, mapping: dict[int, str]) -> Table:
    """Cut the grid below its header, name the mapped columns, keep the others as extras."""
    header_values = grid.cells.loc[header_row]
    body = grid.cells.loc[header_row + 1 :]
    # Trailing and interleaved blank rows are not data.
    blank = blank_mask(body)
    body = body[~blank.all(axis=1)]
    blank = blank.loc[body.index]
    headers: dict[str, tuple[str, str]] = {}
    extras: dict[int, str] = {}
    for column_index, value in header_values.items():
        index = int(column_index)
        letter = excel_column_letter(index)
        if index in mapping:
            headers[mapping[index]] = (cell_text(value), letter)
        elif not is_blank(value):
            extras[index] = cell_text(value)
        elif len(body) and not blank[column_index].all():
            extras[index] = ""
    frame = body[list(mapping)].copy()
    frame.columns = [mapping[i] for i in mapping]
    frame["_row"] = body.index.astype(int)
    frame = frame.reset_index(drop=True)
    return Table(
        file=grid.file,
        sheet=grid.sheet,
        header_row=header_row,
        frame=frame,
        headers=headers,
        extras=extras,
        from_excel=grid.from_excel,
    )


def merged_in_rows(grid: Grid, first_row: int, last_row: int) -> list[str]:
    """Excel ranges like 'B3:D3' merged across the given user rows."""
    ranges = []
    for (r1, c1), (r2, c2) in grid.merged:
        if r1 + 1 <= last_row and r2 + 1 >= first_row:
            ranges.append(f"{excel_column_letter(c1)}{r1 + 1}:{excel_column_letter(c2)}{r2 + 1}")
    return ranges
