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
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

# Characters that make a spreadsheet treat text as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXCEL_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
FILE_NAME_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


class OutputRefused(Exception):
    """An output that would overwrite an input or an earlier result without --force."""


def check_output_path(path: Path, inputs: Iterable[Path], *, force: bool) -> None:
    """Refuse to write over an input file, or over an existing output without force."""
    target = Path(path).resolve()
    for source in inputs:
        with contextlib.suppress(OSError):
            if Path(source).resolve() == target:
                raise OutputRefused(f"{path} is one of the input files; choose another name.")
    if target.exists() and not force:
        raise OutputRefused(f"{path} already exists; pass --force to replace it.")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same folder, then rename over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
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


def csv_text(rows: Iterable[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_csv_value("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()


def safe_sheet_title(name: str, taken: set[str] | None = None) -> str:
    """An Excel sheet name: no forbidden characters, at most 31 characters, unique."""
    title = EXCEL_SHEET_FORBIDDEN.sub("_", name).strip("'") or "Sheet"
    title = title[:31]
    if taken is not None:
        base, number = title, 2
        while title.casefold() in {t.casefold() for t in taken}:
            suffix = f"~{number}"
            title = base[: 31 - len(suffix)] + suffix
            number += 1
        taken.add(title)
    return title


def safe_file_stem(name: str, taken: set[str] | None = None) -> str:
    """A file name part: no path separators or '..', no characters Windows forbids, unique."""
    stem = FILE_NAME_FORBIDDEN.sub("_", name).replace("..", "_").strip(" .") or "file"
    stem = stem[:80]
    if taken is not None:
        base, number = stem, 2
        while stem.casefold() in {t.casefold() for t in taken}:
            stem = f"{base}-{number}"
            number += 1
        taken.add(stem)
    return stem


def text_cell(cell: Any, value: Any) -> None:
    """Put a value in an openpyxl cell; text is always stored as text, never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
