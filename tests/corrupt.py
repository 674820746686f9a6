"""Corrupt a copy of a year folder at random, as clerks, disks and attackers would.

    rng = random.Random(seed)
    applied = corrupt_year(folder, rng)      # a list of what was done, for the test id

Each corruption takes the year folder and a ``random.Random`` and returns a short
description; the same seed always does the same damage. Used by tests/test_fuzz.py:
whatever is done here, every command must end with exit 0 or 1 and a message, never
a traceback, and must leave the folder byte-identical.
"""

from __future__ import annotations

import csv
import io
import math
import random
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

# Cell values that have broken readers somewhere.
JUNK: tuple[object, ...] = (
    "",
    " ",
    "\u3000",
    "NaN",
    "nan",
    "None",
    "NULL",
    "#N/A",
    "#DIV/0!",
    "inf",
    "-inf",
    "１２",
    "９．５",
    "－３",
    "1e400",
    "-1e400",
    "1e-400",
    "9" * 400,
    "-" + "9" * 40,
    "0x1F",
    "1,5",
    "1_000",
    "=1+1",
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "-2+3",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m",
    '"',
    '""',
    'a"b',
    "'",
    ",",
    "a,b,c",
    "\n",
    "line\nbreak",
    "\r",
    "\t",
    "\u2028",
    "\u0085",
    "\u200b",
    "\u200f\u202eRTL",
    "\ufeff",
    "🎉🎉",
    "👨‍👩‍👧",
    "e\u0301",
    "Ａ１",
    "true",
    "FALSE",
    "是",
    "否",
    "区农委",
    "居民代表",
    "办事处",
    "NMF01",
    "NMF99",
    "2008-02-30",
    "2008/12/1",
    "2008年12月1日",
    "99999-01-01",
    "0000-00-00",
    "[Sheet1]",
    "../../etc/passwd",
    "a:b*c?[d]",
    "x" * 300,
    "社" * 200,
    "{placeholder}",
    "{row}{0}{}",
    "%s%n%d",
    "[red]markup[/red]",
    "${jndi:ldap://x}",
    "<script>",
    "\\",
    "-0",
    "0",
    "100",
    "101",
    "-1",
    "4.999999999999999999",
    # the tool's own column names, where an id or an item is expected
    "community_id",
    "rater_id",
    "group",
    "date",
    "item_id",
    "max_points",
    "_row",
    "_file",
    "_sheet",
    "社区编号",
)

EXCEL_JUNK: tuple[object, ...] = (
    *JUNK,
    None,
    0,
    -1,
    1e308,
    -1e308,
    5e-324,
    2**63,
    True,
    False,
    float("inf"),
)

FORMULAS = ("=1+1", "=A1/0", "=NA()", '="text"', "=SUM(A:A)", "=1/0")
TEXT_SUFFIXES = (".csv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


# ---------------------------------------------------------------------------------------
# helpers


def data_files(folder: Path) -> list[Path]:
    """Every regular file below the year folder, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _pick(rng: random.Random, folder: Path, suffixes: tuple[str, ...] | None = None) -> Path | None:
    files = [p for p in data_files(folder) if suffixes is None or p.suffix.lower() in suffixes]
    return rng.choice(files) if files else None


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _read_rows(path: Path) -> tuple[list[list[str]], str]:
    text, encoding = _decode(path.read_bytes())
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        rows = [line.split(",") for line in text.splitlines()]
    return rows, encoding


def _write_rows(path: Path, rows: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    if encoding == "latin-1":
        encoding = "utf-8"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8"))


def _junk(rng: random.Random) -> str:
    value = rng.choice(JUNK)
    return str(value)


def _excel_junk(rng: random.Random) -> object:
    value = rng.choice(EXCEL_JUNK)
    if isinstance(value, float) and not math.isfinite(value):
        return "inf"  # openpyxl writes inf as a number Excel cannot read; text is enough
    return value


def _load_workbook(path: Path):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    return load_workbook(path)


def _open_random_workbook(folder: Path, rng: random.Random, what: str):  # type: ignore[no-untyped-def]
    """(path, workbook) of a random .xlsx, or the label saying why there is none."""
    path = _pick(rng, folder, EXCEL_SUFFIXES)
    if path is None:
        return f"{what}: nothing"
    try:
        return path, _load_workbook(path)
    except Exception:
        return f"{what} {path.name}: unreadable"


def _clean_for_openpyxl(value: object) -> object:
    """openpyxl refuses control characters; those go into CSV corruptions instead."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("?", value)[:32000]
    return value


# ---------------------------------------------------------------------------------------
# corruptions of any file


def truncate_file(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder)
    if path is None:
        return "truncate: nothing"
    data = path.read_bytes()
    keep = rng.randint(0, max(len(data) - 1, 0))
    path.write_bytes(data[:keep])
    return f"truncate {path.name} at {keep}"


def flip_bytes(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder)
    if path is None:
        return "flip: nothing"
    data = bytearray(path.read_bytes())
    if not data:
        return f"flip {path.name}: empty"
    count = rng.randint(1, 20)
    for _ in range(count):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return f"flip {count} bytes of {path.name}"


def insert_bytes(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder)
    if path is None:
        return "insert: nothing"
    data = path.read_bytes()
    at = rng.randint(0, len(data))
    chunk = rng.choice(
        [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b'"', b"\r", b"\x1a", rng.randbytes(64)]
    )
    path.write_bytes(data[:at] + chunk + data[at:])
    return f"insert {chunk[:8]!r} into {path.name}"


def random_bytes(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder)
    if path is None:
        return "random: nothing"
    path.write_bytes(rng.randbytes(rng.randint(1, 4096)))
    return f"random bytes in {path.name}"


def empty_file(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder)
    if path is None:
        return "empty: nothing"
    path.write_bytes(rng.choice([b"", b"\n", b"   \r\n\r\n", b"\xef\xbb\xbf", b"\xff\xfe"]))
    return f"empty {path.name}"


def delete_file(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder)
    if path is None:
        return "delete: nothing"
    path.unlink()
    return f"delete {path.name}"


def directory_named_like_file(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder)
    if path is None:
        (folder / "communities.csv").mkdir(exist_ok=True)
        return "dir communities.csv"
    path.unlink()
    path.mkdir()
    (path / "inner.csv").write_text("community_id\nX\n", encoding="utf-8")
    return f"directory in place of {path.name}"


def sheets_folder_is_a_file(folder: Path, rng: random.Random) -> str:
    sheets = folder / "sheets"
    if sheets.is_dir():
        shutil.rmtree(sheets)
    sheets.write_bytes(rng.choice([b"", b"not a folder", rng.randbytes(100)]))
    return "sheets/ is a file"


def duplicate_kind(folder: Path, rng: random.Random) -> str:
    """communities.csv and communities.xlsx (or 社区.csv) side by side."""
    path = _pick(rng, folder, TEXT_SUFFIXES + EXCEL_SUFFIXES)
    if path is None or path.parent != folder:
        source = folder / "communities.csv"
        if not source.is_file():
            return "duplicate: nothing"
        path = source
    if path.suffix.lower() in TEXT_SUFFIXES:
        rows, _ = _read_rows(path)
        from openpyxl import Workbook

        workbook = Workbook()
        for row in rows:
            workbook.active.append([_clean_for_openpyxl(v) for v in row])
        workbook.save(path.with_suffix(".xlsx"))
        return f"{path.name} also as .xlsx"
    shutil.copyfile(path, path.with_suffix(".csv"))
    return f"{path.name} also as .csv (zip bytes)"


def stray_files(folder: Path, rng: random.Random) -> str:
    """Files a clerk's folder collects: lock files, notes, an odd sheet name."""
    sheets = folder / "sheets"
    target = sheets if sheets.is_dir() else folder
    choice = rng.randrange(6)
    if choice == 0:
        (target / "~$居民代表评分.xlsx").write_bytes(rng.randbytes(165))
    elif choice == 1:
        (target / "说明.txt").write_text("这是说明，不是表格。\n请勿删除。\n", encoding="gbk")
    elif choice == 2:
        (target / "scores.XLSX").write_bytes(b"PK\x03\x04" + rng.randbytes(200))
    elif choice == 3:
        (target / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + rng.randbytes(200))
    elif choice == 4:
        (target / ".hidden.csv").write_text("junk", encoding="utf-8")
    else:
        nested = target / "2008" / "副本"
        nested.mkdir(parents=True, exist_ok=True)
        source = _pick(rng, folder, TEXT_SUFFIXES)
        if source is not None:
            shutil.copyfile(source, nested / source.name)
    return f"stray file #{choice}"


# ---------------------------------------------------------------------------------------
# CSV corruptions


def csv_junk_cells(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "csv junk: nothing"
    rows, encoding = _read_rows(path)
    if not rows:
        return f"csv junk {path.name}: no rows"
    count = rng.randint(1, 12)
    for _ in range(count):
        row = rng.choice(rows)
        if not row:
            row.append("")
        row[rng.randrange(len(row))] = _junk(rng)
    _write_rows(path, rows, encoding)
    return f"{count} junk cells in {path.name}"


def csv_junk_header(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "csv header: nothing"
    rows, encoding = _read_rows(path)
    header = next((i for i, row in enumerate(rows) if len(row) > 2), None)
    if header is None:
        return f"csv header {path.name}: none"
    row = rows[header]
    row[rng.randrange(len(row))] = rng.choice(
        [
            _junk(rng),
            row[0],
            row[-1],
            "community_id",
            "社区编号",
            "A1",
            "A1 居委会依法选举（5分）",
            "group",
            "",
        ]
    )
    _write_rows(path, rows, encoding)
    return f"junk header in {path.name}"


def csv_shuffle(folder: Path, rng: random.Random) -> str:
    """Delete, duplicate or swap rows or columns."""
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "shuffle: nothing"
    rows, encoding = _read_rows(path)
    if len(rows) < 2:
        return f"shuffle {path.name}: too short"
    width = max(len(r) for r in rows)
    operation = rng.randrange(7)
    if operation == 0:
        del rows[rng.randrange(len(rows))]
    elif operation == 1:
        at = rng.randrange(len(rows))
        rows.insert(at, list(rows[rng.randrange(len(rows))]))
    elif operation == 2:
        i, j = rng.randrange(len(rows)), rng.randrange(len(rows))
        rows[i], rows[j] = rows[j], rows[i]
    elif operation == 3 and width:
        column = rng.randrange(width)
        for row in rows:
            if column < len(row):
                del row[column]
    elif operation == 4 and width:
        column = rng.randrange(width)
        for row in rows:
            if column < len(row):
                row.insert(column, row[column])
    elif operation == 5 and width > 1:
        a, b = rng.randrange(width), rng.randrange(width)
        for row in rows:
            if a < len(row) and b < len(row):
                row[a], row[b] = row[b], row[a]
    else:
        # extra columns on some rows, fewer on others
        for row in rows:
            if rng.random() < 0.3:
                row.extend(_junk(rng) for _ in range(rng.randint(1, 3)))
            elif rng.random() < 0.1 and row:
                row.pop()
    _write_rows(path, rows, encoding)
    return f"shuffle #{operation} of {path.name}"


def csv_header_only(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "header only: nothing"
    rows, encoding = _read_rows(path)
    keep = rng.choice([1, 2, 3])
    _write_rows(path, rows[:keep], encoding)
    return f"{path.name} cut to {keep} rows"


def csv_reencode(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "reencode: nothing"
    text, _ = _decode(path.read_bytes())
    encoding = rng.choice(
        [
            "utf-16",
            "utf-16-le",
            "utf-16-be",
            "utf-32",
            "latin-1",
            "cp1252",
            "big5",
            "shift_jis",
            "utf-8-sig",
            "gbk",
            "utf-7",
        ]
    )
    path.write_bytes(text.encode(encoding, errors="replace"))
    return f"{path.name} as {encoding}"


def csv_line_endings(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "line endings: nothing"
    data = path.read_bytes().replace(b"\r\n", b"\n")
    ending = rng.choice([b"\r", b"\r\r\n", b"\n\n", "\u2028".encode(), b"\x0b", b"\x1c", b"\x85"])
    path.write_bytes(data.replace(b"\n", ending))
    return f"{path.name} line endings {ending!r}"


def csv_stray_quotes(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "quotes: nothing"
    data = bytearray(path.read_bytes())
    for _ in range(rng.randint(1, 5)):
        data.insert(rng.randint(0, len(data)), ord('"'))
    path.write_bytes(bytes(data))
    return f"stray quotes in {path.name}"


def csv_separator(folder: Path, rng: random.Random) -> str:
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "separator: nothing"
    rows, _encoding = _read_rows(path)
    delimiter = rng.choice([";", "\t", "|", "，"])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return f"{path.name} separated by {delimiter!r}"


def csv_wide(folder: Path, rng: random.Random) -> str:
    """A row thousands of cells wide, in the header area or far below it."""
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "wide: nothing"
    rows, encoding = _read_rows(path)
    width = rng.choice([300, 3000, 20000])
    row = [_junk(rng) if rng.random() < 0.01 else "x" for _ in range(width)]
    rows.insert(rng.choice([0, len(rows) // 2, len(rows)]), row)
    _write_rows(path, rows, encoding)
    return f"{width}-wide row in {path.name}"


def csv_long(folder: Path, rng: random.Random) -> str:
    """Many blank rows, or a long run of repeated data rows."""
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "long: nothing"
    rows, encoding = _read_rows(path)
    if rng.random() < 0.5 or len(rows) < 2:
        rows = [[""] * rng.randint(0, 3) for _ in range(rng.randint(30, 200))] + rows
    else:
        rows += [list(rows[-1]) for _ in range(rng.randint(100, 2000))]
    _write_rows(path, rows, encoding)
    return f"long {path.name}"


def csv_unicode(folder: Path, rng: random.Random) -> str:
    """RTL marks, zero-width spaces, emoji and BOMs in the middle of cells."""
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "unicode: nothing"
    rows, _encoding = _read_rows(path)
    marks = ["\u200f", "\u200b", "\u202e", "\ufeff", "🎉", "\u0301", "\u3000", "\u00a0", "\ud7ff"]
    for _ in range(rng.randint(1, 20)):
        row = rng.choice(rows) if rows else None
        if not row:
            continue
        at = rng.randrange(len(row))
        mark = rng.choice(marks)
        row[at] = rng.choice([mark + row[at], row[at] + mark, mark])
    _write_rows(path, rows, "utf-8")
    return f"unicode oddities in {path.name}"


# ---------------------------------------------------------------------------------------
# Excel corruptions


def xlsx_junk_cells(folder: Path, rng: random.Random) -> str:
    opened = _open_random_workbook(folder, rng, "xlsx junk")
    if isinstance(opened, str):
        return opened
    path, workbook = opened
    count = rng.randint(1, 12)
    for _ in range(count):
        sheet = rng.choice(workbook.worksheets)
        row = rng.randint(1, max(sheet.max_row, 1) + 1)
        column = rng.randint(1, max(sheet.max_column, 1) + 1)
        value = _excel_junk(rng)
        if rng.random() < 0.15:
            value = rng.choice(FORMULAS)  # a real formula, no cached value
        cell = sheet.cell(row=row, column=column)
        cell.value = _clean_for_openpyxl(value)
        if isinstance(value, str) and value.startswith("=") and rng.random() < 0.5:
            cell.data_type = "s"
    workbook.save(path)
    return f"{count} junk cells in {path.name}"


def xlsx_shuffle(folder: Path, rng: random.Random) -> str:
    opened = _open_random_workbook(folder, rng, "xlsx shuffle")
    if isinstance(opened, str):
        return opened
    path, workbook = opened
    sheet = rng.choice(workbook.worksheets)
    operation = rng.randrange(6)
    if operation == 0:
        sheet.delete_rows(rng.randint(1, max(sheet.max_row, 1)), rng.randint(1, 3))
    elif operation == 1:
        sheet.delete_cols(rng.randint(1, max(sheet.max_column, 1)), 1)
    elif operation == 2:
        sheet.insert_rows(rng.randint(1, max(sheet.max_row, 1)), rng.randint(1, 5))
    elif operation == 3:
        sheet.insert_cols(rng.randint(1, max(sheet.max_column, 1)), 1)
    elif operation == 4:
        sheet.merge_cells(
            start_row=rng.randint(1, 3), start_column=1, end_row=3, end_column=rng.randint(1, 4)
        )
    else:
        workbook.copy_worksheet(sheet)
    workbook.save(path)
    return f"xlsx shuffle #{operation} of {path.name}"


def xlsx_sheets(folder: Path, rng: random.Random) -> str:
    """Odd sheets: empty, hidden, oddly named, very wide, header only."""
    opened = _open_random_workbook(folder, rng, "xlsx sheets")
    if isinstance(opened, str):
        return opened
    path, workbook = opened
    operation = rng.randrange(5)
    if operation == 0:
        workbook.create_sheet("空白")
    elif operation == 1:
        visible = workbook.create_sheet("可见")  # a workbook needs one visible sheet
        for sheet in workbook.worksheets:
            if sheet is not visible:
                sheet.sheet_state = "hidden"
        workbook.active = workbook.worksheets.index(visible)
    elif operation == 2:
        sheet = workbook.create_sheet("宽表")
        sheet.append(["x"] * rng.choice([500, 5000]))
    elif operation == 3:
        sheet = workbook.worksheets[0]
        if sheet.max_row > 3:
            sheet.delete_rows(4, sheet.max_row)
    else:
        sheet = workbook.worksheets[0]
        sheet.title = rng.choice(["'; DROP", "🎉", "x" * 31, "History1", "评分 表"])
    workbook.save(path)
    return f"xlsx sheets #{operation} of {path.name}"


def xlsx_empty_workbook(folder: Path, rng: random.Random) -> str:
    from openpyxl import Workbook

    path = _pick(rng, folder, EXCEL_SUFFIXES) or folder / "sheets" / "empty.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    Workbook().save(path)
    return f"empty workbook {path.name}"


def xlsx_not_a_zip(folder: Path, rng: random.Random) -> str:
    """A CSV, HTML or old .xls saved under an .xlsx name."""
    path = _pick(rng, folder, EXCEL_SUFFIXES) or folder / "criteria.xlsx"
    source = _pick(rng, folder, TEXT_SUFFIXES)
    content = rng.choice(
        [
            source.read_bytes() if source is not None else b"a,b\n1,2\n",
            b"<html><table><tr><td>1</td></tr></table></html>",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
            b"PK\x05\x06" + bytes(18),  # an empty zip
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return f"not a zip: {path.name}"


def xlsx_broken_parts(folder: Path, rng: random.Random) -> str:
    """A valid zip whose workbook parts are missing, truncated or junk XML."""
    path = _pick(rng, folder, EXCEL_SUFFIXES)
    if path is None:
        return "xlsx parts: nothing"
    try:
        with zipfile.ZipFile(path) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, EOFError):
        return f"xlsx parts {path.name}: not a zip"
    name = rng.choice(sorted(parts))
    operation = rng.randrange(4)
    if operation == 0:
        del parts[name]
    elif operation == 1:
        parts[name] = parts[name][: rng.randint(0, len(parts[name]))]
    elif operation == 2:
        parts[name] = rng.choice([b"", b"<x>", b"not xml", rng.randbytes(50)])
    else:
        text = parts[name].decode("utf-8", errors="replace")
        text = text.replace('t="s"', 't="n"').replace("<v>0</v>", "<v>99999</v>")
        parts[name] = text.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    return f"xlsx part {name} op #{operation} in {path.name}"


def xlsx_from_csv(folder: Path, rng: random.Random) -> str:
    """A CSV file replaced by an .xlsx with the same cells (types as openpyxl guesses)."""
    path = _pick(rng, folder, TEXT_SUFFIXES)
    if path is None:
        return "xlsx from csv: nothing"
    from openpyxl import Workbook

    rows, _ = _read_rows(path)
    workbook = Workbook()
    for row in rows:
        values: list[object] = []
        for value in row:
            try:
                values.append(float(value) if rng.random() < 0.5 else value)
            except ValueError:
                values.append(value)
        workbook.active.append([_clean_for_openpyxl(v) for v in values])
    path.unlink()
    workbook.save(path.with_suffix(".xlsx"))
    return f"{path.name} converted to .xlsx"


def xlsx_far_cell(folder: Path, rng: random.Random) -> str:
    """One value far below or right of the table, as a slipped Ctrl+End leaves it."""
    opened = _open_random_workbook(folder, rng, "far cell")
    if isinstance(opened, str):
        return opened
    path, workbook = opened
    row, column = rng.choice([(1048576, 16384), (1048576, 1), (5, 16384), (150000, 2), (40, 300)])
    rng.choice(workbook.worksheets).cell(row=row, column=column).value = _clean_for_openpyxl(
        _excel_junk(rng) or "x"
    )
    workbook.save(path)
    return f"far cell R{row}C{column} in {path.name}"


def _rewrite_parts(path: Path, change: Callable[[str, bytes], bytes]) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, change(name, content))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def xlsx_hostile_xml(folder: Path, rng: random.Random) -> str:
    """Entity expansion (billion laughs) or an external entity in a sheet's XML."""
    path = _pick(rng, folder, EXCEL_SUFFIXES)
    if path is None:
        return "hostile xml: nothing"
    external = rng.random() < 0.3

    def change(name: str, content: bytes) -> bytes:
        if not name.startswith(("xl/worksheets/", "xl/sharedStrings")):
            return content
        body = content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else content
        if external:
            head = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            return head + body.replace(b"<v>", b"<v>&xxe;", 1).replace(b"<t>", b"<t>&xxe;", 1)
        return BILLION_LAUGHS + body.replace(b"<v>", b"<v>&lol9;", 1).replace(
            b"<t>", b"<t>&lol9;", 1
        )

    _rewrite_parts(path, change)
    return f"{'external entity' if external else 'billion laughs'} in {path.name}"


def xlsx_zip_bomb(folder: Path, rng: random.Random) -> str:
    """A sheet padded with megabytes of blanks that compress a thousandfold."""
    path = _pick(rng, folder, EXCEL_SUFFIXES)
    if path is None:
        return "zip bomb: nothing"
    padding = b" " * rng.choice([20, 60]) * 1_000_000

    def change(name: str, content: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            return content.replace(b"</sheetData>", b"</sheetData>" + padding, 1)
        return content

    _rewrite_parts(path, change)
    return f"zip bomb in {path.name}"


# ---------------------------------------------------------------------------------------
# scheme.toml


SCHEME_JUNK = (
    "",
    "not toml at all = = =",
    "[weights]\ncommittee = 'a'\noffice = 0.15\nresidents = 0.7\n",
    "[weights]\ncommittee = 1e400\n",
    "[weights]\ncommittee = nan\noffice = inf\nresidents = -inf\n",
    "[weights]\ncommittee = 0\noffice = 0\nresidents = 0\n",
    "[weights]\ncommittee = -0.5\noffice = 0.5\nresidents = 1.0\n",
    "[weights]\nresidents = 1\n[weights.extra]\nx = 1\n",
    "weights = [1, 2, 3]\n",
    "weights = 'x'\nraters = 3\nstars = []\n",
    "[raters]\nresidents = 99999999999999999\noffice = -1\ncommittee = 1.5\n",
    "[raters]\nresidents = 0\noffice = 0\ncommittee = 0\n",
    "[raters]\noffice_raters = [1, 'a', {id = 3}, {name = []}]\n",
    "[raters]\noffice_raters = 'O01'\n",
    "[scoring]\ntrim = 99999999999999999999\ntrim_min = -3\n",
    "[scoring]\ntrim = 1e9\ntrim_min = 'x'\n",
    "[scoring]\ntrim = 9223372036854775807\ntrim_min = 0\n",
    "[stars]\npolicy = 3\n",
    "[stars]\npolicy = ['thirds']\n",
    "[stars]\npolicy = 'shares'\nfive = 2\nfour = -1\n",
    "[stars]\npolicy = 'shares'\nfive = nan\nfour = inf\n",
    "[stars]\npolicy = 'shares'\nfive = 1e308\nfour = 1e308\n",
    "[stars]\npolicy = 'thresholds'\nfive = 'x'\nfour = nan\nthree = -inf\n",
    "[stars]\npolicy = 'thresholds'\nfive = 1e400\n",
    "[timeline]\nresidents = 'x'\noffice = [1, 2]\ncommittee = ['2008-01-01']\n",
    "[timeline]\nresidents = ['2008-12-31', '2008-01-01', '2008-06-01']\n",
    "[timeline]\nresidents = [2008-11-26, 2008-12-10]\noffice = {a = 1}\n",
    "[timeline]\nresidents = [2008-11-26T10:00:00, 2008-12-10T10:00:00Z]\n",
    "[rewards]\nfive = 'lots'\nfour = 1e400\nthree = -5\nsix = 1\n",
    "[rewards]\nfive = nan\nfour = inf\n",
    "[[weights]]\na = 1\n",
    "\ufeff[weights]\ncommittee = 0.15\noffice = 0.15\nresidents = 0.70\n",
    "[weights]\ncommittee = 0.15\noffice = 0.15\nresidents = 0.70\n" * 2,
)


def scheme_junk(folder: Path, rng: random.Random) -> str:
    path = folder / "scheme.toml"
    operation = rng.randrange(3)
    if operation == 0:
        text = rng.choice(SCHEME_JUNK)
        path.write_bytes(text.encode(rng.choice(["utf-8", "utf-8", "utf-16", "gbk"])))
        return f"scheme.toml junk {SCHEME_JUNK.index(text)}"
    if operation == 1:
        base = path.read_text(encoding="utf-8") if path.is_file() else ""
        path.write_text(base + "\n" + rng.choice(SCHEME_JUNK), encoding="utf-8")
        return "scheme.toml appended junk"
    parts = [rng.choice(SCHEME_JUNK) for _ in range(3)]
    path.write_text("\n".join(parts), encoding="utf-8")
    return "scheme.toml three junk parts"


# ---------------------------------------------------------------------------------------

Corruption = Callable[[Path, random.Random], str]

CORRUPTIONS: tuple[Corruption, ...] = (
    truncate_file,
    flip_bytes,
    insert_bytes,
    random_bytes,
    empty_file,
    delete_file,
    directory_named_like_file,
    sheets_folder_is_a_file,
    duplicate_kind,
    stray_files,
    csv_junk_cells,
    csv_junk_cells,
    csv_junk_cells,
    csv_junk_header,
    csv_shuffle,
    csv_shuffle,
    csv_header_only,
    csv_reencode,
    csv_line_endings,
    csv_stray_quotes,
    csv_separator,
    csv_wide,
    csv_long,
    csv_unicode,
    xlsx_junk_cells,
    xlsx_junk_cells,
    xlsx_junk_cells,
    xlsx_shuffle,
    xlsx_sheets,
    xlsx_empty_workbook,
    xlsx_not_a_zip,
    xlsx_broken_parts,
    xlsx_from_csv,
    xlsx_far_cell,
    xlsx_hostile_xml,
    xlsx_zip_bomb,
    scheme_junk,
)


def corrupt_year(folder: Path, rng: random.Random, count: int | None = None) -> list[str]:
    """Apply ``count`` (default 1 to 4) random corruptions to the year folder."""
    applied = []
    for _ in range(count if count is not None else rng.randint(1, 4)):
        corruption = rng.choice(CORRUPTIONS)
        try:
            applied.append(corruption(folder, rng))
        except (OSError, ValueError, KeyError, IndexError) as exc:
            # an earlier corruption left nothing to work on (a directory, a broken zip)
            applied.append(f"{corruption.__name__} skipped: {type(exc).__name__}")
    return applied
