"""Read one CSV or .xlsx file as clerks write them into raw grids, then find the header.

A grid is a DataFrame of cell values with integer columns (0 = column A) and an
index that is the row number the user sees (1-based). Nothing here knows what a
file means; :mod:`starcommunity.io.year` gives the grids their meaning.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starcommunity.io.headers import closing_row_kind, header_key
from starcommunity.problems import Report, excel_column_letter

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
# Spreadsheets Excel, WPS or LibreOffice save in a form not read here (old binary .xls,
# WPS .et, binary .xlsb, OpenDocument .ods, templates): never skipped in silence, since
# the scores or names in them would then be missing from the result.
OTHER_SPREADSHEET_SUFFIXES = frozenset(
    {".xls", ".xlsb", ".xlt", ".xltx", ".xltm", ".et", ".ett", ".ods", ".fods", ".numbers"}
)
HEADER_SEARCH_ROWS = 30
# Refuse workbooks that would unpack to more than this (zip bombs).
MAX_UNPACKED_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 200
# Refuse a sheet whose cells span more than this (rows x columns, blanks included),
# or more than SPARSE_SHEET_CELLS of which fewer than one in SPARSE_FACTOR holds a value.
MAX_SHEET_CELLS = 50_000_000
SPARSE_SHEET_CELLS = 5_000_000
SPARSE_FACTOR = 10
# pandas reads a CSV of at least 5 MB of rows in parallel pieces, from its path only
PARALLEL_READ_BYTES = 5 << 20
# from this many rows a table's columns are kept apart, not copied into one block
LARGE_TABLE_ROWS = 50_000


@dataclass
class Grid:
    """One sheet (or one CSV file) before its header is known."""

    file: str  # as shown to the user, relative to the year folder
    sheet: str | None  # None for CSV
    cells: pd.DataFrame  # object values; index = user row number; columns = 0-based index
    encoding: str | None = None
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    from_excel: bool = False
    # A CSV read lazily: `cells` holds only the first rows (enough to find the header);
    # make_table reads the body with typed item columns, full_cells() reads everything.
    # `text` is then the file as UTF-8 bytes, which pandas' C parser reads fastest.
    text: bytes | None = None
    width: int = 0
    partial: bool = False
    # the file itself when `text` is its bytes (UTF-8): see _csv_cells
    source: Path | None = None
    # what separates the fields: ',', or a tab ("Unicode text") or ';' (_delimiter)
    delimiter: str = ","
    # False when the last rows hold no word closing a table (合计, 注：…), seen while
    # reading: most sheets, which then skip looking at their body's last rows
    may_have_closing_rows: bool = True

    def full_cells(self, report: Report | None = None) -> pd.DataFrame:
        """Every cell of the grid (a lazily read CSV is read in full, as text, once).

        Raises UnreadableGrid (after reporting why) when the rest of the file is not CSV.
        """
        if self.partial:
            assert self.text is not None
            cells = _csv_cells(self.text, self.width, source=self.source, sep=self.delimiter)
            if cells is None:
                # A row wider than the head: the csv module reads it, as for any CSV.
                text = self.text.decode("utf-8")
                cells = _read_csv_leniently(
                    text, self.file, report or Report(), delimiter=self.delimiter
                )
                if cells is None:
                    raise UnreadableGrid(self.file)
            self.cells = _numbered(cells)
            self.partial = False
            self.text = None
        return self.cells


class UnreadableGrid(Exception):
    """The rest of a lazily read CSV turned out unreadable; the problem is reported."""


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


BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def detect_encoding(data: bytes) -> tuple[str | None, int | None]:
    """BOM first, then strict UTF-8, then GB18030. Returns (encoding, bad byte offset)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            # A BOM names the encoding, but the bytes after it must still be that.
            try:
                data.decode(encoding)
            except UnicodeDecodeError as exc:
                # utf-8-sig counts from after its BOM, utf-16 from the first byte
                return None, exc.start + (len(bom) if encoding == "utf-8-sig" else 0)
            return encoding, None
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


def read_grids(path: Path, display: str, report: Report, *, lazy: bool = False) -> list[Grid]:
    """Every sheet of a workbook, or the one grid of a CSV; problems go to the report.

    With ``lazy``, a CSV grid holds only its first rows until make_table reads its body
    (item columns parsed as numbers by pandas' C parser, the rest as text).
    """
    suffix = path.suffix.lower()
    try:
        if suffix in EXCEL_SUFFIXES:
            return _read_excel(path, display, report)
        if suffix in CSV_SUFFIXES:
            grid = _read_csv(path, display, report, lazy=lazy)
            return [grid] if grid is not None else []
    except OSError as exc:
        report.add("unreadable-file", file=display, reason=exc.strerror or str(exc))
        return []
    report.add("unsupported-file-type", file=display, value=path.suffix)
    return []


def _read_csv(path: Path, display: str, report: Report, *, lazy: bool = False) -> Grid | None:
    data = path.read_bytes()
    if not data or data.isspace():  # as `not data.strip()`, without copying a large file
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
    # pandas' C parser reads UTF-8 bytes much faster than a str (it would encode it), so
    # a UTF-8 file (checked strict above) is never decoded in full here.
    text: str | None = None
    source: Path | None = None
    if encoding in ("utf-8", "utf-8-sig"):
        payload = data[3:] if encoding == "utf-8-sig" else data
        head = payload[: 1 << 20].decode("utf-8", errors="ignore")
        source = path  # pandas' C parser skips the BOM as it does here
    else:
        text = data.decode(encoding)
        payload = text.encode("utf-8")
        head = text[: 1 << 20]
    del data
    if text is not None and "\x00" in text:  # UTF-16 text can hold NUL characters too
        report.add("nul-byte", file=display, row=text.count("\n", 0, text.index("\x00")) + 1)
        return None
    # Title rows have fewer fields than the table below; the csv module copes, so it
    # finds the widest row first and pandas then reads with that many columns.
    sample = head.splitlines()[: HEADER_SEARCH_ROWS * 4]
    if len(sample) > 1 and "\n" not in head and "\r" not in head:
        # lines ended by a character pandas does not break at (U+001C, U+2028, ...):
        # read as one line, every row after the header would be silently lost
        report.add("csv-odd-line-breaks", file=display, row=1, value=_odd_break(head, sample))
        return None
    delimiter = _delimiter(sample)
    if delimiter != ",":
        report.warn("csv-delimiter", file=display, value=DELIMITER_NAMES[delimiter])
    sample_rows = _csv_rows(sample, delimiter)
    widths = [len(row) for row in sample_rows]
    width = max(widths, default=1)
    # In UTF-8 the bytes of '\n' and the delimiter stand for nothing else: count bytes.
    lines = payload.count(b"\n") + 1
    fields = payload.count(delimiter.encode()) + lines
    if _too_wide(width, lines, fields, widths, display, report):
        return None
    may_have_closing_rows = _csv_may_have_closing_rows(payload, delimiter)

    def grid(cells: pd.DataFrame, **lazily: Any) -> Grid:
        return Grid(
            file=display,
            sheet=None,
            cells=_numbered(cells),
            encoding=encoding,
            delimiter=delimiter,
            may_have_closing_rows=may_have_closing_rows,
            **lazily,
        )

    # str.splitlines also ends a line at U+2028, FF, NEL...: pandas does not, so the
    # sample's lines are the rows pandas reads only where none of them is in it
    rows_sampled = not any(mark in head for mark in _OTHER_LINE_BREAKS)
    if rows_sampled and len(payload) <= 1 << 20 and len(sample) < HEADER_SEARCH_ROWS * 4:
        # the sample is the whole file: a clerk's small sheet needs no pandas parse
        whole = _head_from_sample(sample, sample_rows, width, whole=True)
        if whole is not None:
            return grid(whole)
    if lazy:
        head = _head_from_sample(sample, sample_rows, width) if rows_sampled else None
        if head is None:
            head = _csv_cells(payload, width, rows=HEADER_SEARCH_ROWS + 1, sep=delimiter)
        if head is not None and len(head) > HEADER_SEARCH_ROWS:
            return grid(head, text=payload, width=width, partial=True, source=source)
    cells = _csv_cells(payload, width, source=source, sep=delimiter)
    if cells is None:
        text = text if text is not None else payload.decode("utf-8")
        cells = _read_csv_leniently(text, display, report, delimiter=delimiter)
        if cells is None:
            return None
    return grid(cells)


DELIMITER_NAMES = {"\t": "tab", ";": ";"}


def _delimiter(sample: list[str]) -> str:
    """',' unless the first lines hold more tabs (Excel's "Unicode text", a .tsv) or more
    semicolons (Excel set to a European list separator) than commas, on as many lines.

    A comma file's note may hold tabs or semicolons, and a tab file's cells decimal
    commas, but not as many as the separators, on every line."""
    text = "\n".join(sample)
    counts = {sep: text.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=counts.__getitem__)
    if best == "," or counts[best] <= counts[","]:
        return ","
    lines = {sep: sum(sep in line for line in sample) for sep in (",", best)}
    return best if lines[best] >= lines[","] else ","


# str.splitlines() also breaks at these; a CSV line does not.
_OTHER_LINE_BREAKS = frozenset("\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def _odd_break(head: str, lines: list[str]) -> str:
    """The character ending the first line, as U+XXXX."""
    return f"U+{ord(head[len(lines[0])]):04X}"


def _head_from_sample(
    sample: list[str], rows: list[list[str]], width: int, *, whole: bool = False
) -> pd.DataFrame | None:
    """The first rows of a CSV as pandas would read them, from the csv module's rows of
    the sample already split (a pandas call per file costs about 2 ms); with `whole`,
    the sample is the whole file and all of its rows are wanted. The sample's lines
    must be pandas' rows (split at no other line break: the caller looks). None when
    the head is not plain: a quote (a field may span lines), or too few complete lines
    in the sample."""
    import pandas as pd

    count = len(sample) if whole else HEADER_SEARCH_ROWS + 1
    if (not whole and len(sample) <= count) or len(rows) != len(sample):
        return None  # the last line of a sample may be cut short
    head = sample[:count]
    if any('"' in line for line in head):
        return None
    return pd.DataFrame(
        [row + [""] * (width - len(row)) for row in rows[:count]],
        columns=range(width),
        dtype=object,
    )


def _numbered(cells: pd.DataFrame) -> pd.DataFrame:
    cells.index = range(1, len(cells) + 1)
    return cells


def _csv_cells(
    text: bytes,
    width: int,
    *,
    rows: int | None = None,
    skip: int = 0,
    numeric: frozenset[int] = frozenset(),
    source: Path | None = None,
    sep: str = ",",
    usecols: list[int] | None = None,
) -> pd.DataFrame | None:
    """Cells of a CSV (UTF-8 bytes) with pandas' C parser; None when a row is too wide.

    Columns in `numeric` are left to pandas to type (float when every cell is a number);
    all others are read as text, so IDs stay text. A large text that is the `source`
    file's own bytes is read from that path: pandas (3.1 on) then parses the file in
    parallel pieces, on every core, for a third less time (a 6-million-row roster: 6.0 s
    against 7.6 s) and falls back to one reader itself for anything a piece cannot read.
    """
    import pandas as pd

    # object, not pandas' str dtype: the same Python strings, without a second pass
    # over millions of cells to wrap them
    dtype: Any = object if not numeric else {i: object for i in range(width) if i not in numeric}
    try:
        with warnings.catch_warnings():
            # pandas types a large file chunk by chunk and warns of a column typed two
            # ways; _typed_body reads such columns again as text: not for the user
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            return pd.read_csv(
                str(source)
                if source is not None and rows is None and len(text) >= PARALLEL_READ_BYTES
                else io.BytesIO(text),
                encoding="utf-8",
                sep=sep,
                header=None,
                names=range(width),
                dtype=dtype,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
                on_bad_lines="error",
                engine="c",
                nrows=rows,
                skiprows=skip,
                usecols=usecols,
            )
    except (pd.errors.ParserError, ValueError):
        return None
    except OSError:  # the file went away after it was read: its bytes are here
        return _csv_cells(
            text, width, rows=rows, skip=skip, numeric=numeric, sep=sep, usecols=usecols
        )


def _csv_rows(lines: list[str], delimiter: str = ",") -> list[list[str]]:
    try:
        return list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return [line.split(delimiter) for line in lines]


def _too_wide(
    width: int, lines: int, fields: int, widths: list[int], display: str, report: Report
) -> bool:
    """A CSV is read as lines x its widest line: refuse it when that is mostly blanks.

    One line with thousands of separators (stray commas, lost line breaks) would turn
    every other line into thousands of empty cells and fill the memory. A dense file
    is never refused: its memory is that of its own size.
    """
    span = width * lines
    if span <= SPARSE_SHEET_CELLS or span <= SPARSE_FACTOR * fields:
        return False
    report.add(
        "csv-too-wide",
        file=display,
        row=widths.index(width) + 1 if width in widths else None,
        value=width,
        cells=span,
    )
    return True


def _read_csv_leniently(
    text: str, display: str, report: Report, delimiter: str = ","
) -> pd.DataFrame | None:
    """Rows wider than the header area: read with the csv module, pad to the widest row."""
    import pandas as pd

    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as csv_exc:
        report.add("unreadable-file", file=display, reason=str(csv_exc) or "not CSV")
        return None
    widths = [len(row) for row in rows]
    width = max(widths, default=0)
    if width == 0:
        report.add("empty-file", file=display)
        return None
    if _too_wide(width, len(rows), sum(widths), widths, display, report):
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


def _check_parts(path: Path, display: str, report: Report) -> bool:
    """Unpack every part once, streaming, before calamine does it all in memory.

    Python's zipfile stops at each part's declared size and checks its CRC, so a zip
    bomb whose header lies about its size is refused here. Each sheet's extent is
    measured too: calamine allocates every cell of the rectangle up to the farthest
    value, and one stray value in XFD1048576 would need 17 billion cells.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename
                is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
                if not _has_far_cells(archive, info, is_sheet):
                    continue
                rows, columns, filled = _sheet_extent(archive, info)
                span = rows * columns
                # A big sheet that is mostly blank has a stray value far from its table.
                sparse = span > SPARSE_SHEET_CELLS and span > SPARSE_FACTOR * filled
                if span > MAX_SHEET_CELLS or sparse:
                    report.add(
                        "stray-far-cells" if sparse else "sheet-too-large",
                        file=display,
                        value=f"{excel_column_letter(columns - 1)}{rows}",
                        cells=span,
                        filled=filled,
                        limit=MAX_SHEET_CELLS,
                    )
                    return False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, zlib.error) as exc:
        report.add("not-a-workbook", file=display, reason=str(exc)[:200])
        return False
    except NotImplementedError as exc:  # a compression method zipfile lacks
        report.add("not-a-workbook", file=display, reason=str(exc)[:200])
        return False
    return True


# A cell holding a value (not self-closing) in row 100000 or below, or in column CA or
# beyond. A sheet without one spans at most 99999 x 78 cells. Each pattern starts with a
# literal, which keeps the scan near the speed of unzipping.
_FAR_CELL = re.compile(
    rb' r="(?:[A-Z]{1,3}[0-9]{6,9}|(?:[C-Z][A-Z]|[A-Z]{3})[0-9]{1,9})"[^>]*(?<!/)>'
)
_ROW_ELEMENT = re.compile(rb'row [^>]*?r="([0-9]{1,9})"[^>]*(?<!/)>')
_FAR_ROW_CELL = re.compile(rb' r="[A-Z]{1,3}([0-9]{6,9})"[^>]*(?<!/)>')
_WIDE_CELL = re.compile(rb' r="([A-Z]{2,3})[0-9]{1,9}"[^>]*(?<!/)>')
_CHUNK = 1 << 22
_OVERLAP = 256


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part in overlapping pieces, so no cell reference is cut in two."""
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            yield tail + chunk
            tail = chunk[-_OVERLAP:]


def _has_far_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo, is_sheet: bool) -> bool:
    """Read one part to its end (size and CRC checked); True for a sheet with far cells."""
    far = False
    for text in _chunks(archive, info):
        if is_sheet and not far:
            far = _FAR_CELL.search(text) is not None
    return far


def _sheet_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int, int]:
    """(last row, last column) of the rectangle calamine will allocate, or more, and
    about how many cells hold a value.

    Rows come from the rows with cells and the far cells (a cell may name a row its row
    element does not); columns from cells in column AA or beyond, else 26. Cells with a
    value are counted by their closing tags (an empty cell closes itself: <c r="A1"/>).
    """
    rows, columns, filled = 1, 26, 0
    for text in _chunks(archive, info):
        found = _ROW_ELEMENT.findall(text) + _FAR_ROW_CELL.findall(text)
        if found:
            rows = max(rows, *map(int, found))
        letters = set(_WIDE_CELL.findall(text))
        if letters:
            columns = max(columns, *map(_column_number, letters))
        filled += text.count(b"c>")  # </c> or </x:c>: a cell with content
    return rows, columns, filled


def _column_number(letters: bytes) -> int:
    """b'A' -> 1, b'AA' -> 27, b'XFD' -> 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def unsaved_formulas(path: Path, cells: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """(sheet, address) -> formula ('=A2+B2', '=…' where shared from another cell) for
    the cells asked for ({sheet: {'D7', ...}}) that hold a formula with no saved value.

    calamine reads such a cell (a workbook written by a script, never opened in Excel)
    as blank and has no way to tell (python-calamine 0.9 gives no formulas), so only
    the sheets asked for are read again here, as XML: nothing is spent on a workbook
    without blank scores. A workbook that cannot be read so gives {}: the message just
    stays without the hint. Excel saves a formula whose result is text, the empty text
    too, with t="str" and its value: that is a saved value.
    """
    import posixpath
    import xml.etree.ElementTree as ElementTree

    found: dict[tuple[str, str], str] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            for sheet, wanted in cells.items():
                part = parts.get(sheet)
                if part is None or not wanted:
                    continue
                name = posixpath.normpath(
                    part.lstrip("/") if part.startswith("/") else f"xl/{part}"
                )
                with archive.open(name) as xml:
                    for _, element in ElementTree.iterparse(xml):
                        if _local(element.tag) != "c":
                            continue
                        address = element.get("r")
                        if address in wanted:
                            formula = _unsaved_formula(element)
                            if formula is not None:
                                found[(sheet, address)] = formula
                        element.clear()
    except (
        KeyError,
        OSError,
        ValueError,
        RuntimeError,  # an encrypted part
        NotImplementedError,  # a compression method zipfile lacks
        zipfile.BadZipFile,
        ElementTree.ParseError,
        zlib.error,
    ):
        return {}
    return found


def _local(tag: str) -> str:
    """An XML tag without its namespace: {…/main}c and x:c (as some writers put it) -> c."""
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part's target as the workbook's relationships give it."""
    import xml.etree.ElementTree as ElementTree

    relationship = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    targets = {
        element.get("Id"): element.get("Target", "")
        for element in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        if _local(element.tag) == "Relationship"
    }
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    return {
        element.get("name", ""): targets[element.get(relationship)]
        for element in workbook.iter()
        if _local(element.tag) == "sheet" and element.get(relationship) in targets
    }


def _unsaved_formula(cell: Any) -> str | None:
    """'=formula' for a <c> element holding a formula and no saved value, else None."""
    formula = value = None
    for child in cell:
        tag = _local(child.tag)
        if tag == "f":
            formula = child
        elif tag == "v":
            value = child
    if formula is None:
        return None
    if value is not None and (value.text or cell.get("t") == "str"):
        return None
    text = (formula.text or "").strip()
    if not text:  # a shared formula's other cells hold only its index
        return "=…"
    return f"={text}" if len(text) <= 60 else f"={text[:59]}…"


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Keep native code from writing to file descriptor 2 while it runs.

    A Rust panic in calamine prints its message (and with RUST_BACKTRACE a stack
    backtrace) straight to fd 2 before Python sees the exception; the user gets the
    reported problem instead. Python's own sys.stderr is flushed first and unaffected.
    """
    import os
    import sys
    import tempfile

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no fd 2 (a GUI, an embedding host): nothing to hide
        yield
        return
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _reraise_unless_reader_error(exc: BaseException) -> None:
    """Let Ctrl-C and exits through; keep any error of the reader, Rust panics included.

    calamine panics on some damaged cells (a date serial out of range); pyo3 raises
    those as PanicException, which derives from BaseException, not Exception.
    """
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc


def _read_excel(path: Path, display: str, report: Report) -> list[Grid]:
    import pandas as pd
    import python_calamine

    if path.stat().st_size == 0:
        report.add("empty-file", file=display)
        return []
    if not _check_zip(path, display, report) or not _check_parts(path, display, report):
        return []
    try:
        with native_stderr_silenced():
            workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises its own error types for corrupt files
        _reraise_unless_reader_error(exc)
        report.add("not-a-workbook", file=display, reason=str(exc)[:200])
        return []
    grids: list[Grid] = []
    unreadable = False
    hidden = {
        sheet.name
        for sheet in workbook.sheets_metadata
        if sheet.visible != python_calamine.SheetVisibleEnum.Visible
    }
    for sheet_name in workbook.sheet_names:
        try:
            with native_stderr_silenced():
                sheet = workbook.get_sheet_by_name(sheet_name)
                rows = sheet.to_python(skip_empty_area=False)
                merged = list(sheet.merged_cell_ranges or [])
        except BaseException as exc:
            _reraise_unless_reader_error(exc)
            report.add("unreadable-sheet", file=display, sheet=sheet_name, reason=str(exc)[:200])
            unreadable = True
            continue
        if not rows:
            continue
        if sheet_name in hidden:
            # read like the others (every sheet counts), but the clerk does not see it:
            # an old draft kept hidden would score again
            report.warn("hidden-sheet", file=display, sheet=sheet_name)
        cells = pd.DataFrame(rows, dtype=object)
        cells.index = range(1, len(cells) + 1)
        grids.append(
            Grid(
                file=display,
                sheet=sheet_name,
                cells=cells,
                merged=merged,
                from_excel=True,
                may_have_closing_rows=_sheet_may_have_closing_rows(rows),
            )
        )
    if not grids and not unreadable:
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
    import pandas as pd

    return pd.DataFrame(
        {column: blank_cells(frame[column]) for column in frame.columns}, index=frame.index
    )


def blank_cells(column: pd.Series) -> np.ndarray:
    """Per cell of one column: empty, NaN/None, or only white space."""
    import numpy as np
    import pandas as pd

    kind = column.dtype.kind
    if kind == "f":
        return np.isnan(column.to_numpy())  # as isna, without a Series per call
    if kind == "c":
        return column.isna().to_numpy()
    if kind in "iub":
        return np.zeros(len(column), dtype=bool)
    values = column.to_numpy(dtype=object, na_value=None)
    if kind == "O" and not all_text(values):
        return np.fromiter(map(is_blank, values), dtype=bool, count=len(values))
    blank = (values == "") | pd.isna(values)
    rest = np.flatnonzero(~blank)
    if len(rest):
        # Only the non-empty cells need a look; ' ' and '\u3000' count as blank.
        blank[rest] = np.fromiter(map(str.isspace, values[rest]), dtype=bool, count=len(rest))
    return blank


def holds_white_space(text: str) -> bool:
    """Any white space in the text, as str.strip and str.isspace see it (str.split
    agrees); one pass in C, where a look at each cell of a column costs a call each."""
    return len(text.split(None, 1)) > 1 or text[:1].isspace() or text[-1:].isspace()


def all_text(values: np.ndarray) -> bool:
    from pandas.api.types import infer_dtype

    return infer_dtype(values, skipna=True) in ("string", "empty")


def blank_rows(frame: pd.DataFrame, columns: list[Any] | None = None) -> np.ndarray:
    """Rows whose every cell (of `columns`, by default all) is blank.

    Column by column, only the rows still blank so far are looked at, so a table whose
    first column is filled in costs one pass over that column.
    """
    import numpy as np

    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns if columns is None else columns:
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        cells = frame[column]
        if len(rows) < len(frame):
            cells = cells.iloc[rows]
        blank[rows] = blank_cells(cells)
    return blank


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


def distinct_values(values: pd.Series | np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """(codes, distinct values as a list): pd.factorize, NaN and None coded -1."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # Iterating a pandas Index of str is slow; its numpy array is not.
    return codes, np.asarray(uniques, dtype=object).tolist()


def map_distinct(
    values: pd.Series, func: Callable[[pd.Series], Any], dtype: Any = object
) -> np.ndarray:
    """`func` applied once per distinct value of a column, mapped back to every cell
    (as an array of `dtype`).

    `func` takes and returns a Series (or array) of the same length; NaN and None cells
    get func's result for None. Cells are grouped by equality, which would mix True
    with 1.0 (and 1e16 with 10**16): an object column holding more than one kind of
    number is mapped cell by cell instead.
    """
    import numpy as np
    import pandas as pd

    if values.dtype.kind == "O" and not isinstance(values.dtype, pd.StringDtype):
        raw = values.to_numpy(dtype=object)
        if all_text(raw):
            kinds = set()
        else:
            kinds = {kind for kind in set(map(type, raw)) if issubclass(kind, (int, float))}
        if len(kinds) > 1:
            return np.asarray(func(pd.Series(raw, dtype=object)), dtype=dtype)
    else:
        raw = values
    codes, uniques = distinct_values(raw)
    distinct = pd.Series([*uniques, None], dtype=object)
    results = np.asarray(func(distinct), dtype=dtype)
    return results[codes]  # code -1 (NaN/None) takes the last result, func(None)


_TRAILING_NOTE = re.compile(r"[\(（][^\)）]*[\)）]\s*$")


def strip_trailing_note(header: str) -> str:
    """'环境卫生（10分）' -> '环境卫生': headers may carry the maximum in brackets."""
    return _TRAILING_NOTE.sub("", header).strip()


@functools.lru_cache(maxsize=8192)
def _header_key(text: str) -> str:
    """header_key, remembered: the same headers come back on every sheet."""
    return header_key(text)


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
    for row_number, values in zip(head.index, head.to_numpy(dtype=object).tolist(), strict=True):
        mapping: dict[int, str] = {}
        for column_index, value in zip(head.columns, values, strict=True):
            if is_blank(value):
                continue
            text = cell_text(value)
            canonical = lookup.get(_header_key(text))
            if canonical is None and extra_keys:
                canonical = extra_keys.get(_header_key(strip_trailing_note(text)))
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


def make_table(
    grid: Grid,
    header_row: int,
    mapping: dict[int, str],
    *,
    numeric: frozenset[str] = frozenset(),
    report: Report | None = None,
    unread: frozenset[str] = frozenset(),
) -> Table:
    """Cut the grid below its header, name the mapped columns, keep the others as extras.

    For a lazily read CSV, the mapped columns named in `numeric` (score items) are read
    as numbers by pandas' C parser when every cell of the column is one; any other
    column stays text. The mapped columns named in `unread`, which the caller has no use
    for, are left out of such a table when that changes nothing else it holds or
    reports (body_without); its extras then name only the columns with a header. Raises
    UnreadableGrid when the body cannot be read.
    """
    header_values = grid.cells.loc[header_row]
    headers = table_headers(header_values, mapping)
    body = None
    if unread and grid.partial:
        assert grid.text is not None
        body = body_without(
            grid,
            header_row,
            mapping,
            unread,
            line_start(grid.text, header_row + 1),
            lambda kept: _typed_body(grid, header_row, mapping, numeric, usecols=kept),
        )
    if body is None:  # (body_without's holds no blank, repeated header or closing row)
        body = _typed_body(grid, header_row, mapping, numeric) if grid.partial else None
        if body is None:
            body = grid.full_cells(report).loc[header_row + 1 :]
        body = without_blank_rows(body)
        body = _without_repeated_headers(grid, body, header_values, mapping, report)
        if grid.may_have_closing_rows:
            body = _without_closing_rows(grid, body, report)
    extras: dict[int, str] = {}
    for column_index, value in header_values.items():
        index = int(column_index)
        if index in mapping:
            continue
        if not is_blank(value):
            extras[index] = cell_text(value)
        elif len(body) and index in body and not blank_cells(body[column_index]).all():
            extras[index] = ""
    return Table(
        file=grid.file,
        sheet=grid.sheet,
        header_row=header_row,
        frame=mapped_frame(body, {i: name for i, name in mapping.items() if i in body}),
        headers=headers,
        extras=extras,
        from_excel=grid.from_excel,
    )


def body_without(
    grid: Grid,
    header_row: int,
    mapping: dict[int, str],
    unread: frozenset[str],
    start: int | None,
    read: Callable[[list[int]], pd.DataFrame | None],
) -> pd.DataFrame | None:
    """The body of a lazily read CSV from byte `start` on, as `read` reads the columns
    it is given: the mapped columns but those in `unread`. pandas then makes no strings
    for the others, the most of a roster's read (its names, households and compounds).
    None unless leaving them out changes nothing else: no cell is quoted, the cells need
    no repair to warn about (body_needs_no_repair), and no row is blank, a repeated
    header or a closing one, which whole rows decide, nor wider than the grid."""
    kept = sorted(i for i, name in mapping.items() if name not in unread)
    if len(kept) == len(mapping) or grid.may_have_closing_rows or start is None:
        return None
    assert grid.text is not None
    # a quoted cell's text is not the file's (a quote may part e from its accent)
    if grid.text.find(b'"', start) >= 0 or not body_needs_no_repair(grid.text, start):
        return None
    # Told which columns to read, pandas no longer refuses a row wider than the grid,
    # which a full read hands to the csv module (which may refuse the file)
    if most_separators_in_a_line(grid.text, start, grid.delimiter) > grid.width - 1:
        return None
    body = read(kept)
    if body is None or blank_rows(body).any():
        return None
    kept_mapping = {i: name for i, name in mapping.items() if i in body}
    if repeated_header_rows(body, grid.cells.loc[header_row], kept_mapping):
        return None
    return body


def most_separators_in_a_line(text: bytes, start: int, separator: str) -> int:
    """The most separators (one ASCII character) any line of the UTF-8 text from byte
    `start` on holds: a row's fields less one, or more where a lone CR parts a line
    into rows. Counted a block at a time, so that a roster of 400 MB takes no more
    than a few blocks' memory."""
    import numpy as np

    data = np.frombuffer(text, dtype=np.uint8)
    mark = ord(separator)
    most = running = 0  # running: the separators of the line the block ends in
    for at in range(start, len(data), _SEPARATOR_BLOCK):
        block = data[at : at + _SEPARATOR_BLOCK]
        ends = np.flatnonzero(block == 10)
        separators = np.flatnonzero(block == mark)
        if not len(ends):
            running += len(separators)
            continue
        before = np.searchsorted(separators, ends)  # the separators before each line end
        most = max(most, running + int(before[0]), int(np.diff(before).max(initial=0)))
        running = len(separators) - int(before[-1])
    return max(most, running)


_SEPARATOR_BLOCK = 1 << 24


def line_start(text: bytes, row: int) -> int | None:
    """Where user row `row` of a CSV (UTF-8 bytes) starts, when its lines before are
    rows: no quote (a quoted field may hold a line break) and no lone CR (pandas ends a
    row there too) before it. None otherwise, or past the end."""
    start = 0
    for _ in range(row - 1):
        end = text.find(b"\n", start)
        if end < 0:
            return None
        start = end + 1
    head = text[:start]
    if b'"' in head or head.count(b"\r") != head.count(b"\r\n"):
        return None
    return start


# UTF-8 bytes of ASCII, continuation bytes and the lead bytes E4 to E9 (U+4000 to
# U+9FFF: CJK ideographs, each NFKC as it is and composing with nothing): text of only
# these is NFKC, which a pass in C tells 7 times quicker than decoding it to ask
_NFKC_BYTES = bytes(byte for byte in range(256) if byte < 0xC0 or 0xE4 <= byte <= 0xE9)


def body_needs_no_repair(text: bytes, start: int = 0) -> bool:
    """No cell of this CSV text (UTF-8 bytes) from byte `start` on is changed by NFKC,
    so none gets a text-normalised warning: that text as a whole is NFKC (its cells are,
    then: the separators and line ends between them start no combining sequence)."""
    # the bytes outside _NFKC_BYTES of the whole text, less those of the rows above
    # (a title's full-width brackets): a slice of the whole would copy a roster of 400 MB
    if len(text.translate(None, _NFKC_BYTES)) == len(text[:start].translate(None, _NFKC_BYTES)):
        return True
    try:
        return unicodedata.is_normalized("NFKC", text[start:].decode("utf-8"))
    except UnicodeDecodeError:
        return False


def _without_repeated_headers(
    grid: Grid,
    body: pd.DataFrame,
    header_values: pd.Series,
    mapping: dict[int, str],
    report: Report | None,
) -> pd.DataFrame:
    """Rows that repeat the header row (one block pasted under another) hold no data:
    each is left out with a warning, instead of an error for every one of its cells."""
    repeated = repeated_header_rows(body, header_values, mapping)
    if not repeated:
        return body
    if report is not None:
        for row in repeated:
            report.warn("repeated-header-row", file=grid.file, sheet=grid.sheet, row=int(row))
    return body.drop(index=repeated)


def _without_closing_rows(grid: Grid, body: pd.DataFrame, report: Report | None) -> pd.DataFrame:
    """Rows closing the table (a 合计 or 平均 row, a note, the signatures) are left out
    with one warning each, instead of an unknown community, a blank group and a blank
    or too high score in every column."""
    closing = trailing_closing_rows(body)
    if not closing:
        return body
    if report is not None:
        for row, kind, value in closing:
            code = "totals-row" if kind == "totals" else "footer-row"
            report.warn(code, file=grid.file, sheet=grid.sheet, row=int(row), value=value)
    return body.drop(index=[row for row, _kind, _value in closing])


def _csv_may_have_closing_rows(payload: bytes, delimiter: str) -> bool:
    """False when the first filled-in cell of none of a CSV's last rows (UTF-8) closes
    a table, as far as splitting its last lines at the delimiter tells."""
    # past the blank rows Excel leaves at the end (",,,,"); a file ending in more
    # than 64 KB of them is looked at the slow way
    tail = payload[-(64 << 10) :].rstrip(b'\r\n\t ,;"')[-4096:]
    if not tail:
        return True
    lines = tail.decode("utf-8", errors="ignore").splitlines()
    filled = [line for line in lines if line.strip(f'{delimiter}" ')]
    firsts = (
        line.lstrip(f'{delimiter}" ').split(delimiter, 1)[0].strip('" ')
        for line in filled[-MAX_CLOSING_ROWS:]
    )
    return any(closing_row_kind(first) for first in firsts)


def _sheet_may_have_closing_rows(rows: list[list[Any]]) -> bool:
    """False when the first filled-in cell of none of a sheet's last rows closes a
    table."""
    found = 0
    for row in reversed(rows[-1000:]):
        first = next((value for value in row if not is_blank(value)), None)
        if first is not None:
            if closing_row_kind(first):
                return True
            found += 1
            if found == MAX_CLOSING_ROWS:
                return False
    return len(rows) > 1000  # 1,000 blank rows at the end: looked at the slow way


# A table ends with at most this many closing rows (合计, 平均, 注：…, 制表人：…)
MAX_CLOSING_ROWS = 5


def trailing_closing_rows(body: pd.DataFrame) -> list[tuple[Any, str, str]]:
    """(row, 'totals' or 'footer', its first filled-in cell) for the last rows of
    `body` that close the table (headers.closing_row_kind): no ID is ever such a word.
    Only the last few rows are looked at, so a million-row roster costs nothing more."""
    found: list[tuple[Any, str, str]] = []
    tail = body.tail(MAX_CLOSING_ROWS)
    for row, values in zip(
        reversed(tail.index), reversed(tail.to_numpy(dtype=object).tolist()), strict=True
    ):
        first = next((value for value in values if not is_blank(value)), None)
        kind = closing_row_kind(first) if first is not None else None
        if kind is None:
            break
        # shown as written (合计：, not the NFKC 合计:), as the clerk looks for it
        found.append((row, kind, first.strip() if isinstance(first, str) else cell_text(first)))
    return found[::-1]


def repeated_header_rows(
    body: pd.DataFrame, header_values: pd.Series, mapping: dict[int, str]
) -> list[Any]:
    """The rows of `body` whose mapped cells repeat the header row's."""
    if not len(body) or not mapping:
        return []
    wanted = {index: cell_text(header_values[index]) for index in mapping}
    first, first_text = next(iter(wanted.items()))
    column = body[first]
    if column.dtype.kind != "O":  # a column pandas read as numbers holds no header text
        return []
    # a cheap test on one column; whole rows are compared only where it holds
    candidates = column.index[column.to_numpy() == first_text]
    return [
        row
        for row in candidates
        if all(cell_text(body.at[row, index]) == text for index, text in wanted.items())
    ]


def table_headers(header_values: pd.Series, mapping: dict[int, str]) -> dict[str, tuple[str, str]]:
    """Each mapped column's header as written (in the header row's `header_values`)
    and its Excel letter."""
    return {
        name: (cell_text(header_values[index]), excel_column_letter(index))
        for index, name in mapping.items()
    }


def without_blank_rows(body: pd.DataFrame) -> pd.DataFrame:
    """Trailing and interleaved blank rows are not data."""
    blank = blank_rows(body)
    return body[~blank] if blank.any() else body


def mapped_frame(body: pd.DataFrame, mapping: dict[int, str]) -> pd.DataFrame:
    """The mapped columns of a table's body under their canonical names, and `_row`.

    A large body's columns are taken as they are, each its own block: selecting them
    made pandas stack them into one block first, a copy of every cell (1 s for a
    6-million-row roster). A small one is selected and copied: one block is 4 times
    quicker to build than a frame of 30 columns apart, and quicker to use afterwards
    (a year kept as a file per community has thousands of small tables).
    """
    import pandas as pd

    if len(body) < LARGE_TABLE_ROWS:
        frame = body[list(mapping)].copy()
        frame.columns = [mapping[i] for i in mapping]
        frame["_row"] = body.index.astype(int)
        return frame.reset_index(drop=True)
    # the body's own Series: pandas then copies a column before anything writes to it
    columns = {name: body[index].reset_index(drop=True) for index, name in mapping.items()}
    columns["_row"] = pd.Series(body.index.to_numpy(dtype=int))
    return pd.DataFrame(columns, copy=False)


def csv_body_part(grid: Grid, start: int, usecols: list[int] | None = None) -> pd.DataFrame | None:
    """The rows of a lazily read CSV from byte `start` (the first byte of a line) on, as
    text, indexed by their row numbers (only the columns in `usecols`, when given);
    None when a row is wider than the grid."""
    import pandas as pd

    assert grid.text is not None
    body = _csv_cells(grid.text[start:], grid.width, sep=grid.delimiter, usecols=usecols)
    if body is None:
        return None
    first = grid.text.count(b"\n", 0, start) + 1
    body.index = pd.RangeIndex(first, first + len(body))
    return body


def _typed_body(
    grid: Grid,
    header_row: int,
    mapping: dict[int, str],
    numeric: frozenset[str],
    usecols: list[int] | None = None,
) -> pd.DataFrame | None:
    """The rows below the header of a lazily read CSV, score columns typed by pandas
    (only the columns in `usecols`, when given)."""
    import pandas as pd

    assert grid.text is not None
    wanted = frozenset(i for i, name in mapping.items() if name in numeric)
    body = _csv_cells(
        grid.text,
        grid.width,
        skip=header_row,
        numeric=wanted,
        source=grid.source,
        sep=grid.delimiter,
        usecols=usecols,
    )
    if body is None:
        return None
    # pandas reads true/false as booleans, and a large file chunk by chunk: a column of
    # numbers in one chunk and text in another comes back with floats beside strings.
    # Such columns are read again as text, so each cell is reported as written (a
    # score written 'TRUE' as TRUE) and a column with any text is text throughout.
    odd = frozenset(i for i in wanted if body[i].dtype.kind not in "fiu")
    if any(body[i].dtype.kind == "b" or not all_text(body[i].to_numpy()) for i in odd):
        body = _csv_cells(
            grid.text,
            grid.width,
            skip=header_row,
            numeric=wanted - odd,
            source=grid.source,
            sep=grid.delimiter,
            usecols=usecols,
        )
        if body is None:
            return None
    body.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(body))
    return body


def merged_in_rows(grid: Grid, first_row: int, last_row: int) -> list[str]:
    """Excel ranges like 'B3:D3' merged across the given user rows."""
    ranges = []
    for (r1, c1), (r2, c2) in sorted(grid.merged):
        if r1 + 1 <= last_row and r2 + 1 >= first_row:
            ranges.append(f"{excel_column_letter(c1)}{r1 + 1}:{excel_column_letter(c2)}{r2 + 1}")
    return ranges


def header_rows_merged(grid: Grid, header_row: int) -> tuple[int, int] | None:
    """(first, last) user rows of a header written over several rows (cells of the
    header row merged down or up, 社区编号 over rows 2-3 beside a category row); None
    when no merged cell of the header row spans rows."""
    spans = [
        (r1 + 1, r2 + 1)
        for (r1, _c1), (r2, _c2) in grid.merged
        if r1 + 1 <= header_row <= r2 + 1 and r2 > r1
    ]
    if not spans:
        return None
    return min(first for first, _ in spans), max(last for _, last in spans)
