"""Writing outputs safely: atomically, never over an input, never as a formula.

Every file the tool writes goes through here, so an interrupted run never leaves a
half-written reps.csv or report, and a clerk's input is never overwritten.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

# Characters that make a spreadsheet treat text as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel forbids []:*?/\ in sheet names; control characters are not valid XML at all.
EXCEL_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
FILE_NAME_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Characters openpyxl refuses in a cell (XML 1.0 cannot hold them).
CELL_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHEET_TITLE_MAX = 31  # UTF-16 code units, as Excel counts them
EXCEL_CELL_MAX = 32767
FILE_STEM_MAX_CHARS = 80
FILE_STEM_MAX_BYTES = 180  # UTF-8; a name may have 255, and the temporary file adds ~20
# Names Windows gives to devices, whatever the extension (CON.xlsx opens the console).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)


class OutputRefused(Exception):
    """An output that would overwrite an input or an earlier result without --force.

    ``exists`` tells the two apart: an earlier result is kept until the user asks for
    --force (exit 1, like any refusal of the data's state); a path that is an input or
    a folder is a wrong choice of name (a usage error).
    """

    def __init__(self, message: str, chinese: str, *, exists: bool = False) -> None:
        super().__init__(message)
        self.chinese = chinese
        self.exists = exists

    def text(self, lang: str) -> str:
        return self.chinese if lang == "zh" else str(self)


def check_output_path(
    path: Path,
    inputs: Iterable[Path],
    *,
    force: bool,
    input_folders: Iterable[Path] = (),
) -> None:
    """Refuse to write over an input file or into a folder of inputs (the score sheets
    folders, whose every workbook is read), or over an existing output without force."""
    target = Path(path).resolve()
    for source in inputs:
        with contextlib.suppress(OSError):
            if Path(source).resolve() == target:
                raise OutputRefused(
                    f"{path} is one of the input files; choose another name.",
                    f"{path}是输入文件，请换一个文件名。",
                )
    for folder in input_folders:
        with contextlib.suppress(OSError):
            if Path(folder).resolve() in target.parents:
                raise OutputRefused(
                    f"{path} is inside {folder}, where every workbook is read as a score "
                    "sheet; write it elsewhere.",
                    f"{path}位于{folder}中，该文件夹中的每个工作簿都会被当作评分表读取，"
                    "请写到别处。",
                )
    if target.is_dir():
        raise OutputRefused(
            f"{path} is a folder; choose a file name.", f"{path}是文件夹，请指定文件名。"
        )
    if target.exists() and not force:
        raise OutputRefused(
            f"{path} already exists; pass --force to replace it.",
            f"{path}已存在；如要替换，请加--force。",
            exists=True,
        )


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same folder, then rename over the target.

    The target is either the old file or the complete new one, never half of it: the
    temporary file is on disk before the rename and is removed on any failure.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A short prefix: the target's own name may already be near the 255-byte limit.
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent
    )
    os.close(handle)
    try:
        write(Path(temporary))
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        # mkstemp makes the file private (0600); a report is an ordinary file for the office.
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_all(files: Mapping[Path, bytes]) -> None:
    """Write several files that belong together: a failure leaves all of them as they were.

    Every temporary file is written and flushed first; only then are they renamed into
    place, one right after the other.
    """
    temporaries: list[tuple[str, Path]] = []
    try:
        for target, data in files.items():
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent
            )
            temporaries.append((temporary, path))
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o666 & ~_current_umask())
        for temporary, path in temporaries:
            os.replace(temporary, path)
    except BaseException:
        for temporary, _path in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda temporary: temporary.write_bytes(data))


def atomic_write_text(path: Path, text: str, *, bom: bool = False) -> None:
    """UTF-8 text; with bom=True the UTF-8 BOM that Excel on Windows needs for CSV."""
    atomic_write_bytes(path, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def safe_csv_value(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# What safe_csv_value guards and a reader takes back: not the tab or CR it also guards,
# as text read is stripped, so such a value is never written.
GUARDED_PREFIXES = tuple(prefix for prefix in FORMULA_PREFIXES if prefix.isprintable())
# a cell, in a column joined with NUL between cells, that starts with the guard
GUARDED_CELL = re.compile("(?:^|\x00)'[" + re.escape("".join(GUARDED_PREFIXES)) + "]")


def unguarded_csv_value(value: str) -> str:
    """Text read from a CSV without the apostrophe safe_csv_value put before it."""
    return value[1:] if value[:1] == "'" and value[1:2] in GUARDED_PREFIXES else value


def csv_text(rows: Iterable[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_csv_value("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()


def _utf16_cut(text: str, limit: int) -> str:
    """The longest prefix of text that is at most `limit` UTF-16 code units (Excel's unit)."""
    if len(text.encode("utf-16-le")) <= 2 * limit:
        return text
    size = 0
    for index, character in enumerate(text):
        size += 2 if ord(character) > 0xFFFF else 1
        if size > limit:
            return text[:index]
    return text


def safe_sheet_title(name: str, taken: set[str] | None = None) -> str:
    """An Excel sheet name: no forbidden characters, at most 31 characters, unique.

    Excel also refuses a name that starts or ends with an apostrophe and keeps
    'History' for itself; names are compared without case, as Excel does.
    """
    title = _utf16_cut(EXCEL_SHEET_FORBIDDEN.sub("_", str(name)), SHEET_TITLE_MAX).strip("'")
    if not title.strip():
        title = "Sheet"
    if title.casefold() == "history":
        title += "_"
    if taken is not None:
        base, number = title, 2
        while title.casefold() in {t.casefold() for t in taken}:
            suffix = f"~{number}"
            title = _utf16_cut(base, SHEET_TITLE_MAX - len(suffix)).rstrip("'") + suffix
            number += 1
        taken.add(title)
    return title


def safe_file_stem(name: str, taken: set[str] | None = None) -> str:
    """A file name part: no path separators or '..', no characters Windows forbids, unique.

    At most 80 characters and 180 UTF-8 bytes (file systems count bytes), never a
    Windows device name (CON, NUL, COM1 ...), compared without case as Windows and
    macOS do.
    """
    stem = unicodedata.normalize("NFC", str(name))
    stem = FILE_NAME_FORBIDDEN.sub("_", stem).replace("..", "_").strip(" .")
    stem = stem[:FILE_STEM_MAX_CHARS]
    while len(stem.encode("utf-8")) > FILE_STEM_MAX_BYTES:
        stem = stem[:-1]
    stem = stem.strip(" .") or "file"
    if stem.split(".")[0].casefold() in WINDOWS_RESERVED:
        stem = f"_{stem}"
    if taken is not None:
        base, number = stem, 2
        while stem.casefold() in {t.casefold() for t in taken}:
            stem = f"{base}-{number}"
            number += 1
        taken.add(stem)
    return stem


def text_cell(cell: Any, value: Any) -> None:
    """Put a value in an openpyxl cell; text is always stored as text, never a formula.

    Control characters (which openpyxl refuses and XML cannot hold) are dropped and text
    is cut at Excel's 32767 characters, so no name in an input can stop a report.
    """
    if isinstance(value, str):
        value = CELL_FORBIDDEN.sub("", value)[:EXCEL_CELL_MAX]
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
