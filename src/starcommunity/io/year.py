"""Load a year folder into canonical frames, collecting every reading problem.

Frames carry `_file`, `_sheet` and `_row` so any later check can point at the cell.
Score sheets stay wide (one row per rater, one float column per item id): that is
how they are written, and it keeps a nation-sized year small in memory.
"""

from __future__ import annotations

import codecs
import contextlib
import math
import re
import threading
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starcommunity.io.headers import (
    COLUMN_ALIASES,
    FALSE_WORDS,
    FILE_COLUMNS,
    FILE_STEMS,
    ROLE_ALIASES,
    TRUE_WORDS,
    UNREAD_SHEET_COLUMN_KEYS,
    alias_lookup,
    group_code,
    header_key,
)
from starcommunity.io.tables import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    OTHER_SPREADSHEET_SUFFIXES,
    Grid,
    Table,
    UnreadableGrid,
    all_text,
    blank_cells,
    blank_mask,
    blank_rows,
    body_without,
    cell_text,
    csv_body_part,
    find_header,
    header_rows_merged,
    holds_white_space,
    make_table,
    map_distinct,
    mapped_frame,
    merged_in_rows,
    read_grids,
    repeated_header_rows,
    table_headers,
    trailing_closing_rows,
    without_blank_rows,
)
from starcommunity.io.writing import GUARDED_CELL, unguarded_csv_value
from starcommunity.model import GROUPS, STAR_LEVELS, STAR_POLICIES, Scheme
from starcommunity.problems import Problem, Report

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from starcommunity.io.forked import Claims, ForkedJob, Sender

META_COLUMNS = ("_file", "_sheet", "_row")
# progress(file just read, bytes read so far, bytes to read in all)
Progress = Callable[[str, int, int], None]
# told each file read: its name as shown, and its path (_BytesRead, or a child's pipe)
Tell = Callable[[str, Path], None]


@dataclass
class SheetInfo:
    """Where each item of one score sheet stands, for pointing at cells later."""

    file: str
    sheet: str | None
    header_row: int
    items: dict[str, tuple[str, str]]  # item_id -> (header as written, Excel letter)
    columns: dict[str, tuple[str, str]]  # community_id, group, ... -> (header, letter)


@dataclass
class YearData:
    root: Path
    year: str
    folder: Path
    scheme: Scheme
    communities: pd.DataFrame
    criteria: pd.DataFrame
    roster: pd.DataFrame | None
    reps: pd.DataFrame | None
    flags: pd.DataFrame
    scores: pd.DataFrame
    sheets: dict[tuple[str, str | None], SheetInfo] = field(default_factory=dict)
    input_files: list[Path] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    paths: dict[str, Path | None] = field(default_factory=dict)
    # the columns of every other table: (file, sheet) -> column -> (header as written,
    # Excel letter), so that a problem found later names the column as the clerk sees it
    headers: dict[tuple[str, str | None], dict[str, tuple[str, str]]] = field(default_factory=dict)
    # The problems of validate's checks of the roster and the representatives, when
    # load_year ran them where it read those (load_year's check_people): then the
    # roster is not kept (None) and validate_year does not check them again.
    people_checked: list[Problem] | None = None

    @property
    def item_ids(self) -> list[str]:
        return list(self.criteria["item_id"].drop_duplicates())


class YearFolderMissing(Exception):
    """The year folder does not exist: a usage error, not a data error."""


def year_folder(root: Path, year: str | int) -> Path:
    folder = Path(root) / str(year)
    if not folder.is_dir():
        raise YearFolderMissing(str(folder))
    return folder


def files_of_kind(
    folder: Path, kind: str, suffixes: frozenset[str] = CSV_SUFFIXES | EXCEL_SUFFIXES
) -> list[Path]:
    """Every file of the folder that is a `kind` file (any accepted name, CSV or Excel)."""
    stems = {header_key(stem) for stem in FILE_STEMS[kind]}
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and not path.name.startswith(("~$", "."))
        and path.suffix.lower() in suffixes
        and header_key(path.stem) in stems
    )


def find_file(folder: Path, kind: str, report: Report) -> Path | None:
    """communities.csv or communities.xlsx (or a Chinese name); two at once is ambiguous.

    A roster.xls (or .et, .ods ...) alone is named as a file not read, not passed over:
    an optional file (the roster, the flags) would otherwise be silently missing.
    """
    found = files_of_kind(folder, kind)
    if len(found) > 1:
        report.add(
            "ambiguous-file",
            file=", ".join(p.name for p in found),
            kind=kind,
        )
    if not found:
        for path in files_of_kind(folder, kind, OTHER_SPREADSHEET_SUFFIXES):
            report.add("unsupported-file-type", file=path.name, value=path.suffix)
    return found[0] if found else None


def year_folders(root: Path | str) -> list[str]:
    """Sub-folders of ROOT named like a year (digits only), oldest first."""
    folders = [p.name for p in Path(root).iterdir() if p.is_dir() and p.name.isdecimal()]
    return sorted(folders, key=int)


def inputs_of_every_year(root: Path) -> tuple[list[Path], list[Path]]:
    """The input files of every year folder under ROOT, and their sheets/ folders.

    No output may be written over them or into those folders, whichever year a command
    runs for: `rank --year 2009` reads 2008 too, and any year's files are a clerk's.
    """
    files: list[Path] = []
    sheets: list[Path] = []
    with contextlib.suppress(OSError):
        for year in year_folders(root):
            folder = Path(root) / year
            with contextlib.suppress(OSError):
                for kind in FILE_STEMS:
                    files.extend(files_of_kind(folder, kind))
                files.extend(
                    folder / name
                    for name in ("scheme.toml", "reps.draw.json")
                    if (folder / name).is_file()
                )
                if (folder / "sheets").is_dir():
                    sheets.append(folder / "sheets")
    return files, sheets


def _text_columns(table: Table, columns: list[str], report: Report) -> None:
    """Normalise text cells in place (IDs stay text, never numbers)."""
    for problems in _text_column_problems(table, columns).values():
        report.problems.extend(problems)


# changed cells reported per text column of a table
MAX_TEXT_CHANGES = 1000


# ID columns where Excel, given a number, drops leading zeros (0053 -> 53)
ZERO_PADDED_COLUMNS = frozenset(("community_id", "resident_id", "rater_id", "household"))


def _text_column_problems(table: Table, columns: list[str]) -> dict[str, list[Problem]]:
    """Normalise text cells in place; per column, the changes to report."""
    frame = table.frame
    found: dict[str, list[Problem]] = {}
    for column in columns:
        if column not in frame:
            continue
        text, changed, stripped = normalise_text(frame[column], table.from_excel)
        changes = Report()
        if table.from_excel and column in ZERO_PADDED_COLUMNS:
            _numbers_beside_padded_ids(table, column, text, changes)
        for position in changed[:MAX_TEXT_CHANGES]:
            changes.warn(
                "text-normalised",
                file=table.file,
                sheet=table.sheet,
                row=int(frame["_row"].iat[position]),
                column=table.column_label(column),
                value=stripped[position],
                normalised=text[position],
            )
        found[column] = changes.problems
        frame[column] = _object_series(text, frame.index)
    return found


def _numbers_beside_padded_ids(table: Table, column: str, text: np.ndarray, report: Report) -> None:
    """IDs stored as numbers in a workbook column whose text IDs have leading zeros
    (0006 beside 7): Excel drops a number's leading zeros, so 7 may have been 0007, and
    a resident's place in the draw's pool (sorted as text) and every match against the
    other files depend on it. A warning per such cell, with the ID it may have been."""
    import numpy as np

    raw = table.frame[column].to_numpy(dtype=object)
    if all_text(raw):
        return
    numeric = np.fromiter(
        (isinstance(v, (int, float)) and not isinstance(v, bool) and v == v for v in raw),
        dtype=bool,
        count=len(raw),
    )
    padded = [t for t in set(text[~numeric].tolist()) if t[:1] == "0" and t.isdigit()]
    if not numeric.any() or not padded:
        return
    width = max(map(len, padded))
    example = min(padded)
    for position in np.flatnonzero(numeric)[:MAX_TEXT_CHANGES]:
        value = text[position]
        if value.isdigit() and len(value) < width:
            report.warn(
                "id-number-lost-zeros",
                file=table.file,
                sheet=table.sheet,
                row=int(table.frame["_row"].iat[position]),
                column=table.column_label(column),
                value=value,
                example=example,
                padded=value.zfill(width),
            )


def _object_series(values: np.ndarray, index: pd.Index) -> pd.Series:
    import pandas as pd

    return pd.Series(values, index=index, dtype=object)


def normalise_text(raw: pd.Series, from_excel: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A text column as read: (text, positions NFKC changed, stripped text).

    Excel cells go through cell_text (numbers lose '.0', dates become ISO: no change to
    report), and a text cell NFKC changes (full-width digits, as in ＮＭＦ０１) is a
    repair the caller reports, as in a CSV; they are mapped once per distinct value
    (sheets are small, values repeat). CSV cells are stripped and NFKC-normalised. A
    CSV column is looked at as a whole first: when stripping changes nothing and the
    column joined is ASCII or already NFKC, no cell needs more work. Only the columns
    with full-width or other compatibility characters are normalised cell by cell.
    """
    import operator

    import numpy as np

    if from_excel:
        text = map_distinct(raw, lambda distinct: distinct.map(cell_text))
        repaired = map_distinct(
            raw,
            lambda distinct: [
                isinstance(v, str) and not unicodedata.is_normalized("NFKC", v) for v in distinct
            ],
            dtype=bool,
        )
        changed = np.flatnonzero(repaired)
        if not len(changed):
            return text, changed, text
        stripped = text.copy()
        cells = raw.to_numpy(dtype=object)
        stripped[changed] = [cells[position].strip() for position in changed]
        return text, changed, stripped
    cells = raw.to_numpy(dtype=object)
    try:
        joined = "\x00".join(cells)  # CSV text holds no NUL (refused on reading)
    except TypeError:  # a NaN (never read from a CSV): cell by cell
        return _normalise_cells(cells)
    stripped = cells.copy()
    if holds_white_space(joined):  # so maybe around a cell: strip cell by cell
        stripped_list = [value.strip() for value in cells]
        if not all(map(operator.is_, stripped_list, cells)):
            stripped = np.array(stripped_list, dtype=object)
            joined = "\x00".join(stripped_list)
    if "'" in joined and GUARDED_CELL.search(joined):
        # The apostrophe our CSV writer puts before text a spreadsheet would run as a
        # formula is no part of the value: resident -0001, drawn, is written to
        # reps.csv as '-0001 and must read back as the roster's -0001.
        stripped_list = [unguarded_csv_value(value) for value in stripped.tolist()]
        stripped = np.array(stripped_list, dtype=object)
        joined = "\x00".join(stripped_list)
    # NUL starts no combining sequence, so the join is NFKC exactly when every cell is.
    if joined.isascii() or unicodedata.is_normalized("NFKC", joined):
        text = interned(stripped)
        return text, np.zeros(0, dtype=np.intp), text
    del joined
    text = stripped.copy()
    changed = []
    for position, value in enumerate(stripped.tolist()):
        if not value.isascii():
            normalised = unicodedata.normalize("NFKC", value)
            if normalised != value:
                text[position] = normalised
                changed.append(position)
    return interned(text), np.array(changed, dtype=np.intp), stripped


def interned(values: np.ndarray) -> np.ndarray:
    """A text column whose values repeat, with each distinct value one shared object.

    The csv module makes a new string per cell; a nation's roster repeats its community
    IDs, compounds and yes/no millions of times. Sharing them saves gigabytes. pandas'
    C parser already boxes each distinct string of a chunk of rows once: a column
    whose first rows are shared so is left as it is (hashing it all again cost 0.3 s
    for a 1.5-million-row roster and saved 4 MB). Columns of mostly distinct values
    (resident IDs, names) are not hashed, which would cost time and save little; only
    runs of one value in consecutive rows (a household's members, say) are shared,
    which costs one comparison per cell.
    """
    import numpy as np
    import pandas as pd

    if len(values) < 10_000:
        return values
    window = values[:20_000].tolist()
    objects = len(set(map(id, window)))
    if objects == len(set(window)) or objects * 20 <= len(window):
        return values  # already one object per value, or nearly
    sample = values[:: max(1, len(values) // 20_000)].tolist()
    if len(set(sample)) * 4 <= len(sample):
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        return np.asarray(uniques, dtype=object)[codes]
    repeats = values[1:] == values[:-1]
    if repeats.sum() * 10 < len(values):
        return values
    starts = np.flatnonzero(np.r_[True, ~repeats])
    return values[np.repeat(starts, np.diff(np.r_[starts, len(values)]))]


def _normalise_cells(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """normalise_text for a column holding non-text cells: NaN stays NaN (and differs)."""
    import numpy as np

    stripped = np.array(
        [value.strip() if isinstance(value, str) else value for value in cells], dtype=object
    )
    text = np.array(
        [
            unicodedata.normalize("NFKC", value) if isinstance(value, str) else value
            for value in stripped
        ],
        dtype=object,
    )
    changed = np.flatnonzero(
        np.fromiter((a != b for a, b in zip(text, stripped, strict=True)), bool, len(text))
    )
    return text, changed, stripped


def _excel_text(value: object) -> str:
    """A non-number Excel cell as text to parse; '\x00' for dates and the like."""
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else "\x00"


def parse_numbers(
    raw: pd.Series, from_excel: bool
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Column-wise number parsing.

    Returns (values, blank, not_a_number, repaired): repaired cells are numbers stored
    as text in Excel, or full-width / otherwise NFKC-changed text in CSV.

    Fast paths: a column pandas already typed as numbers (a CSV read with typed score
    columns), an Excel column of numbers only, and CSV text that pandas parses as it
    stands. Only the remaining cells take the slow road of strip, NFKC and parse.
    """
    import numpy as np
    import pandas as pd

    index = raw.index
    n = len(raw)

    def series(values: np.ndarray) -> pd.Series:
        return pd.Series(values, index=index)

    no = np.zeros(n, dtype=bool)
    if raw.dtype.kind in "fiu":
        values = raw.to_numpy(dtype=float)
        return series(values), series(np.isnan(values)), series(no), series(no.copy())
    cells = raw.to_numpy(dtype=object)
    values = np.full(n, np.nan)
    if from_excel:
        from pandas.api.types import infer_dtype

        if infer_dtype(cells, skipna=False) in ("floating", "integer", "mixed-integer-float"):
            values = cells.astype(float)
            return series(values), series(np.isnan(values)), series(no), series(no.copy())
        is_number = np.fromiter(
            (isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells),
            dtype=bool,
            count=n,
        )
        values[is_number] = cells[is_number].astype(float)
        blank = is_number & np.isnan(values)
        rest = np.flatnonzero(~is_number)
        text = np.array([_excel_text(v) for v in cells[rest]], dtype=object)
    else:
        direct = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        parsed = ~np.isnan(direct)
        values[parsed] = direct[parsed]
        blank = no.copy()
        rest = np.flatnonzero(~parsed)
        text = np.array([str(v).strip() for v in cells[rest]], dtype=object)
    # The slow road, for the cells not parsed yet: blank, plain text, or NFKC-repairable.
    empty = text == ""
    blank[rest[empty]] = True
    needs = rest[~empty]
    text = text[~empty]
    repaired = no.copy()
    not_a_number = no.copy()
    if len(needs):
        direct = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan, copy=True
        )
        failed = np.isnan(direct)
        normalised = pd.Series(
            [
                unicodedata.normalize("NFKC", value).replace("\u3000", "").strip()
                for value in text[failed]
            ],
            dtype=object,
        )
        again = pd.to_numeric(normalised.where(normalised.ne("")), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan, copy=True
        )
        direct[failed] = again
        values[needs] = direct
        ok = ~np.isnan(direct)
        not_a_number[needs[~ok]] = True
        # Excel: any number stored as text; CSV: only text that needed NFKC to parse.
        repaired[needs[ok if from_excel else (ok & failed)]] = True
    return series(values), series(blank), series(not_a_number), series(repaired)


# Mistakes typing a score, on the text as read (NFKC: ４，５ is 4,5, ％ is %). A comma
# before three digits may group thousands (4,500), so only one or two digits count.
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]{1,2}")
_NUMBER = r"([+-]?[0-9]+(?:[.,][0-9]{1,2}|\.[0-9]+)?)"
_WITH_UNIT = re.compile(_NUMBER + r"\s*(?:分|points?|pts?)\.?", re.IGNORECASE)
_PERCENT = re.compile(_NUMBER + r"\s*%")


def score_hint(text: str) -> dict[str, str]:
    """The hint params for a score that is not a number but was likely meant as one
    (4,5 / 4.5分 / 90%), as the messages' {hint} takes them; {} for anything else.
    The value stays an error: a guess must not change a result."""
    if _DECIMAL_COMMA.fullmatch(text):
        return {"suggest": text.replace(",", "."), "suggest_why": "decimal-comma"}
    if (match := _WITH_UNIT.fullmatch(text)) is not None:
        return {"suggest": match.group(1).replace(",", "."), "suggest_why": "unit"}
    if (match := _PERCENT.fullmatch(text)) is not None:
        return {"suggest": match.group(1).replace(",", "."), "suggest_why": "percent"}
    return {}


def score_hints(texts: list[str]) -> dict[str, dict[str, str]]:
    """score_hint of each distinct text: a hundred thousand bad cells repeat a few values."""
    return {text: score_hint(text) for text in dict.fromkeys(texts)}


class _BytesRead:
    """Bytes read so far out of all the year's input files, told to a progress callback."""

    def __init__(self, folder: Path, progress: Progress | None, scores: bool) -> None:
        self.progress = progress
        self.lock = threading.Lock()
        self.done = 0
        self.total = 0
        if progress is not None:
            files = [
                path
                for path in folder.iterdir()
                if path.is_file() and path.suffix.lower() in CSV_SUFFIXES | EXCEL_SUFFIXES
            ]
            if scores:
                files += sheet_files(folder)
            self.total = sum(path.stat().st_size for path in files)

    def tell(self, message: tuple[str, Path]) -> None:
        """A file read by the child process (message: its name and path)."""
        self(*message)

    def __call__(self, name: str, path: Path) -> None:
        if self.progress is not None:
            size = path.stat().st_size
            with self.lock:  # also called by the thread passing on a child's progress
                self.done += size
                self.progress(name, self.done, max(self.total, self.done))


def _read_kind(
    folder: Path,
    kind: str,
    report: Report,
    data: YearData | None = None,
    required_file: bool = True,
    read: Tell | None = None,
) -> list[Table]:
    path = _kind_file(folder, kind, report, data, required_file)
    if path is None:
        return []
    grids = read_grids(path, path.name, report)
    if read is not None:
        read(path.name, path)
    return _tables(grids, kind, report, data, sheet_folder=False)


def _kind_file(
    folder: Path, kind: str, report: Report, data: YearData | None, required_file: bool
) -> Path | None:
    """The file of this kind, noted in `data` as an input; a missing one reported."""
    path = find_file(folder, kind, report)
    if data is not None:
        data.paths[kind] = path
    if path is None:
        if required_file:
            report.add("missing-file", file=f"{FILE_STEMS[kind][0]}.csv", kind=kind)
        return None
    if data is not None:
        data.input_files.append(path)
    return path


def _read_text_kind(
    folder: Path,
    kind: str,
    columns: list[str],
    report: Report,
    data: YearData,
    read: Tell,
    busy_bytes: int = 0,
    unread: frozenset[str] = frozenset(),
) -> list[Table]:
    """_read_kind, then each table's text columns normalised (_text_columns). The
    columns in `unread` may be left out of a large CSV's tables (make_table).

    On Linux a large CSV (a city's roster) is read in two halves when it is well larger
    than the `busy_bytes` of score sheets another process reads meanwhile: a forked child
    reads the second half while this process reads the first. Their problems are put
    together column by column, so the tables and problems are those of one read.
    """
    from starcommunity.io import forked

    path = _kind_file(folder, kind, report, data, required_file=False)
    if path is None:
        return []
    grids = None
    if _cut_in_halves(path, busy_bytes) and forked.can_fork():
        grids = read_grids(path, path.name, report, lazy=True)
        attempt = Report()  # kept only if the halves work out
        tables = _read_in_halves(grids, kind, columns, attempt, data, unread)
        if tables is not None:
            report.extend(attempt)
            read(path.name, path)
            return tables
        # not cut: the grid read lazily is read whole, as any other, not the file again
    if grids is None:
        # lazily when columns may be left out: only a body read later can leave them
        grids = read_grids(path, path.name, report, lazy=bool(unread))
    tables = _tables(grids, kind, report, data, sheet_folder=False, unread=unread)
    read(path.name, path)
    _text_columns_all(tables, columns, report)
    return tables


def _cut_in_halves(path: Path, busy_bytes: int) -> bool:
    """Whether _read_text_kind reads this file in two halves (where it can fork)."""
    size = path.stat().st_size
    csv = path.suffix.lower() in CSV_SUFFIXES
    return csv and max(SPLIT_MIN_BYTES, 3 * busy_bytes) <= size <= SPLIT_MAX_BYTES


def _read_in_halves(
    grids: list[Grid],
    kind: str,
    columns: list[str],
    report: Report,
    data: YearData,
    unread: frozenset[str] = frozenset(),
) -> list[Table] | None:
    """Two tables, the rows before and after a line a little past the middle of the
    file read lazily in `grids` (_halfway_line); None when the file cannot be cut there
    (a quoted field may span lines, a row is wider than the first rows, the header is
    not found): then it is read whole. The grid itself is left as it was read."""
    from dataclasses import replace

    from starcommunity.io import forked

    if len(grids) != 1 or not grids[0].partial:
        return None
    grid = grids[0]
    assert grid.text is not None
    start = _halfway_line(grid.text)
    header_row, mapping, missing = find_header(grid, alias_lookup(kind), FILE_COLUMNS[kind][0])
    if start is None or header_row is None or missing:
        return None

    def second_half() -> tuple[dict[str, list[Problem]], dict[str, tuple[str, Any]]] | None:
        body = body_without(
            grid,
            header_row,
            mapping,
            unread,
            start,
            lambda kept: csv_body_part(grid, start, usecols=kept),
        )
        if body is None:
            body = csv_body_part(grid, start)
            if body is None:
                return None
            body = without_blank_rows(body)
            # a header row repeated in this half, or a closing row at its end, is warned
            # about where one read of the file would warn, among the first half's
            # problems: so that file is read whole
            if repeated_header_rows(
                body, grid.cells.loc[header_row], mapping
            ) or trailing_closing_rows(body):
                return None
        table = Table(
            file=grid.file,
            sheet=None,
            header_row=header_row,
            frame=mapped_frame(body, {i: name for i, name in mapping.items() if i in body}),
            headers=table_headers(grid.cells.loc[header_row], mapping),
            extras={},
        )
        problems = _text_column_problems(table, columns)
        return problems, {
            name: forked.pack_column(table.frame.pop(name), share=False)
            for name in list(table.frame)
        }

    # the child starts on the second half before this process reads the first
    child = forked.start(lambda send: send.part(second_half()))
    try:
        first = replace(grid, text=grid.text[:start], source=None)  # not the whole file
        tables = _tables([first], kind, report, data, sheet_folder=False, unread=unread)
        if len(tables) != 1 or not first.partial:
            return None  # no table, or its rows were read again leniently
        table = tables[0]
        problems = _text_column_problems(table, columns)
        sent = child.collect() if child is not None else None
        child = None
        second = sent[0] if sent else second_half()
        if second is None:
            return None
        later_problems, packed = second
        frame = _object_frame(
            {name: forked.unpack_column(values) for name, values in packed.items()}
        )
        for column in columns:  # (a half read in full has columns the other lacks)
            found = problems.get(column, []) + later_problems.get(column, [])
            report.problems.extend(found[:MAX_TEXT_CHANGES])
        return [table, replace(table, frame=frame)]
    finally:
        if child is not None:
            child.cancel()


def _halfway_line(text: bytes) -> int | None:
    """Where the first line after about the middle of a CSV starts, if lines are rows:
    no quote (a quoted field may hold a line break) and no lone CR (pandas ends a row
    there too), and that line starts with no BOM (pandas drops one that starts what it
    reads, where one read of the file keeps it in the cell)."""
    if b'"' in text or text.count(b"\r") != text.count(b"\r\n"):
        return None
    # a little past the middle: the child also packs its half to send it
    end = text.find(b"\n", len(text) * 11 // 20)
    if not 0 <= end < len(text) - 1 or text.startswith(codecs.BOM_UTF8, end + 1):
        return None
    return end + 1


def _tables(
    grids: list[Grid],
    kind: str,
    report: Report,
    data: YearData | None,
    sheet_folder: bool,
    item_keys: dict[str, str] | None = None,
    numeric: frozenset[str] = frozenset(),
    unread: frozenset[str] = frozenset(),
) -> list[Table]:
    required, _optional = FILE_COLUMNS[kind]
    lookup = alias_lookup(kind)
    tables: list[Table] = []
    problems_before = len(report.problems)
    for grid in grids:
        if data is not None and grid.encoding:
            data.encodings[grid.file] = grid.encoding
        header_row, mapping, missing = find_header(grid, lookup, required, item_keys)
        if header_row is None:
            try:
                cells = grid.full_cells(report)
            except UnreadableGrid:
                continue
            nonblank = not blank_mask(cells).all(axis=None)
            if nonblank and (sheet_folder or not tables):
                # a workbook's other sheets (instructions, a title only) are no error
                skipped = sheet_folder and grid.from_excel
                report.add(
                    "sheet-without-header" if skipped else "no-header-row",
                    severity="warning" if skipped else "error",
                    file=grid.file,
                    sheet=grid.sheet,
                    expected=", ".join(required),
                    expected_zh="、".join(COLUMN_ALIASES[c][0] for c in required),
                )
            continue
        merged = merged_in_rows(grid, header_row, header_row)
        if merged:
            split = header_rows_merged(grid, header_row)
            report.add(
                "merged-header" if split is None else "header-over-rows",
                file=grid.file,
                sheet=grid.sheet,
                row=header_row,
                value=", ".join(merged),
                first=split[0] if split else "",
                last=split[1] if split else "",
            )
            continue
        if missing:
            for column in missing:
                report.add(
                    "missing-column",
                    file=grid.file,
                    sheet=grid.sheet,
                    row=header_row,
                    column=column,
                    expected=column,
                )
            continue
        try:
            table = make_table(
                grid, header_row, mapping, numeric=numeric, report=report, unread=unread
            )
        except UnreadableGrid:
            continue
        if sheet_folder:
            _without_table_beside(table, mapping, lookup, report)
        below = merged_in_rows(grid, header_row + 1, len(grid.cells))
        if below:
            # the clerk sees the value across the merged rows; only its first cell holds it
            report.warn(
                "merged-data-cells", file=grid.file, sheet=grid.sheet, value=", ".join(below)
            )
        tables.append(table)
        if data is not None and not sheet_folder:  # score sheets have their SheetInfo
            data.headers[(table.file, table.sheet)] = table.headers
    if not tables and grids and not sheet_folder and len(report.problems) == problems_before:
        report.add("empty-file", file=grids[0].file)
    return tables


def _without_table_beside(
    table: Table, mapping: dict[int, str], lookup: dict[str, str], report: Report
) -> None:
    """A second table beside the first (its own 社区编号, 评分组 ... in the header row,
    right of the first's) is an error that says so; the first table is still read, the
    columns from the second one's on are dropped (each was an unknown item, and its
    community missing). Only the header cells the first table left unread are looked
    at: a sheet costs nothing more."""
    from starcommunity.problems import excel_column_letter

    first = {name: index for index, name in mapping.items()}
    again = [
        index
        for index, header in table.extras.items()
        if header and first.get(lookup.get(header_key(header)), index) < index
    ]
    if not again:
        return
    # the second table starts at its leftmost filled-in header cell past the first's
    lower = max((i for i in mapping if i < min(again)), default=-1)
    start = min(i for i, header in table.extras.items() if lower < i and header)
    report.add(
        "table-beside-table",
        file=table.file,
        sheet=table.sheet,
        row=table.header_row,
        column=excel_column_letter(start),
        value=table.extras[start],
    )
    dropped = [name for index, name in mapping.items() if index >= start]
    table.frame = table.frame.drop(columns=dropped)
    table.headers = {k: v for k, v in table.headers.items() if k not in dropped}
    table.extras = {i: header for i, header in table.extras.items() if i < start}


def _concat(tables: list[Table], columns: list[str]) -> pd.DataFrame:
    """The tables of one file kind as one frame: text columns (missing ones blank, as
    object), then _row, _file and _sheet. Built column by column, no frame copied twice."""
    import numpy as np
    import pandas as pd
    from pandas.api.types import infer_dtype

    if not tables:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*columns, *META_COLUMNS]})
    data: dict[str, pd.Series] = {}
    for column in columns:
        parts = []
        for table in tables:
            if column in table.frame:
                values = table.frame[column].to_numpy(dtype=object)
                # all text (as a normalised CSV column is) is checked 3x faster than NaN
                if infer_dtype(values, skipna=False) != "string":
                    missing = pd.isna(values)
                    if missing.any():
                        values = values.copy()  # the table's frame stays as it was
                        values[missing] = ""
            else:
                values = np.full(len(table.frame), "", dtype=object)
            parts.append(values)
        joined = np.concatenate(parts) if len(parts) > 1 else parts[0]
        del parts
        data[column] = pd.Series(joined, dtype=object, copy=False)
    data["_row"] = pd.Series(np.concatenate([t.frame["_row"].to_numpy() for t in tables]))
    lengths = [len(t.frame) for t in tables]
    # one shared string object per file (np.repeat of a list would make numpy text)
    data["_file"] = pd.Series(
        np.repeat(np.array([t.file for t in tables], dtype=object), lengths), dtype=str
    )
    sheets = [t.sheet for t in tables]
    if all(sheet is None for sheet in sheets):
        data["_sheet"] = pd.Series(np.full(sum(lengths), None, dtype=object), dtype=object)
    else:
        data["_sheet"] = pd.Series(np.repeat(np.array(sheets, dtype=object), lengths))
    return pd.DataFrame(data, copy=False)


def _parse_bool(frame: pd.DataFrame, column: str, tables: list[Table], report: Report) -> None:
    import numpy as np
    import pandas as pd

    def meaning(distinct: pd.Series) -> list[int]:
        # 1 true, 0 false, -1 neither; NaN/None read as the text 'nan'/'none', as before
        words = distinct.astype(str).str.strip().str.casefold()
        return [1 if w in TRUE_WORDS or w == "" else 0 if w in FALSE_WORDS else -1 for w in words]

    codes = map_distinct(frame[column], meaning, dtype=np.int8)
    truthy = pd.Series(codes == 1, index=frame.index)
    bad = pd.Series(codes == -1, index=frame.index)
    labels = {(t.file, t.sheet): t.column_label(column) for t in tables}
    for position in bad[bad].index[:1000]:
        report.add(
            "bad-eligible",
            file=frame.at[position, "_file"],
            sheet=frame.at[position, "_sheet"],
            row=int(frame.at[position, "_row"]),
            column=labels.get((frame.at[position, "_file"], frame.at[position, "_sheet"])),
            value=frame.at[position, column],
        )
    frame[column] = truthy


def _label(tables: list[Table], file: str, sheet: str | None, column: str) -> str | None:
    for table in tables:
        if table.file == file and table.sheet == sheet:
            return table.column_label(column)
    return column


# Columns of the score frame: an item with one of these ids would overwrite it.
RESERVED_ITEM_IDS = frozenset(
    {"community_id", "group", "rater_id", "rater_name", "date", *META_COLUMNS}
)


def _drop_reserved_items(
    criteria: pd.DataFrame, tables: list[Table], report: Report
) -> pd.DataFrame:
    """Report and leave out criteria items whose id is a score-sheet column name."""
    reserved = criteria["item_id"].isin(RESERVED_ITEM_IDS)
    if not reserved.any():
        return criteria
    for position in reserved[reserved].index:
        file, sheet = criteria.at[position, "_file"], criteria.at[position, "_sheet"]
        report.add(
            "reserved-item-id",
            file=file,
            sheet=sheet,
            row=int(criteria.at[position, "_row"]),
            column=_label(tables, file, sheet, "item_id"),
            value=criteria.at[position, "item_id"],
        )
    return criteria[~reserved].reset_index(drop=True)


SCHEME_SECTIONS = ("weights", "raters", "scoring", "stars", "timeline", "rewards")
# The keys each section may have; any other is reported (a misspelt key would leave
# the default in force) and left out where the section is read.
SCHEME_KEYS: dict[str, tuple[str, ...]] = {
    "weights": GROUPS,
    "raters": (*GROUPS, "office_raters"),
    "scoring": ("trim", "trim_min"),
    "stars": ("policy", *STAR_LEVELS),
    "timeline": GROUPS,
    "rewards": STAR_LEVELS,
}
# A rater count or trim above this is a typo, and would make forms loop for ever.
MAX_COUNT = 100_000


def load_scheme(folder: Path, report: Report, data_files: list[Path] | None = None) -> Scheme:
    scheme = Scheme()
    path = folder / "scheme.toml"
    if not path.is_file():
        return scheme
    if data_files is not None:
        data_files.append(path)
    display = path.name
    scheme.source = display
    raw_bytes = path.read_bytes()
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Notepad on a Chinese Windows saves as GBK ("ANSI") unless told otherwise
        try:
            text = raw_bytes.decode("gb18030")
        except UnicodeDecodeError:
            report.add("scheme-unreadable", file=display, reason="not UTF-8 (nor GBK)")
            return scheme
        report.warn("scheme-not-utf8", file=display)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        report.add("scheme-unreadable", file=display, reason=str(exc))
        return scheme

    def number(section: str, key: str, value: object) -> float | None:
        # nan, inf and ints beyond a float (TOML allows all three) are no weight or amount
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            with contextlib.suppress(OverflowError):
                if math.isfinite(float(value)):
                    return float(value)
        report.add("scheme-bad-value", file=display, column=f"{section}.{key}", value=value)
        return None

    def count(section: str, key: str, value: object) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
            return value
        report.add("scheme-bad-value", file=display, column=f"{section}.{key}", value=value)
        return None

    for section, value in raw.items():
        if section not in SCHEME_SECTIONS:
            # a misspelt [weight] or [stars] would otherwise leave the defaults in force
            report.add(
                "scheme-unknown-key", file=display, column=section, known=", ".join(SCHEME_SECTIONS)
            )
        elif not isinstance(value, dict):
            report.add("scheme-bad-value", file=display, column=section, value=value)
    for section, known in SCHEME_KEYS.items():
        table = raw.get(section)
        if isinstance(table, dict):
            for key in table:
                if key not in known:
                    report.add(
                        "scheme-unknown-key",
                        file=display,
                        column=f"{section}.{key}",
                        known=", ".join(known),
                    )

    weights = raw.get("weights")
    if isinstance(weights, dict):
        parsed: dict[str, float] = {}
        for key, value in weights.items():
            if key not in GROUPS:  # reported above
                continue
            weight = number("weights", key, value)
            if weight is not None:
                if weight < 0:
                    report.add(
                        "scheme-bad-value", file=display, column=f"weights.{key}", value=value
                    )
                parsed[key] = weight
        for group in GROUPS:
            parsed.setdefault(group, 0.0)
        scheme.weights = parsed
        total = sum(parsed.values())
        if abs(total - 1.0) > 1e-9:
            report.add("weights-not-one", file=display, column="weights", value=round(total, 6))
    raters = raw.get("raters")
    if isinstance(raters, dict):
        for key, value in raters.items():
            if key == "office_raters":  # the names for the forms, read below
                continue
            if key not in GROUPS:  # reported above
                continue
            if count("raters", key, value) is None:
                continue
            scheme.raters[key] = value
        if "office_raters" in raters:
            scheme.office_raters = _office_raters(raters["office_raters"], display, report)
        named = len(scheme.office_raters)
        if named > scheme.raters.get("office", 10):
            # the forms would list every one, and a sheet scored by all of them fails
            # wrong-rater-count: which one is left out is the office's to say
            report.warn(
                "office-raters-too-many",
                file=display,
                column="raters.office_raters",
                value=named,
                expected=scheme.raters.get("office", 10),
            )
    scoring = raw.get("scoring")
    if isinstance(scoring, dict):
        for key in ("trim", "trim_min"):
            if key in scoring:
                value = count("scoring", key, scoring[key])
                if value is not None:
                    setattr(scheme, key, value)
    stars = raw.get("stars")
    if isinstance(stars, dict):
        policy = stars.get("policy", "thirds")
        if policy not in STAR_POLICIES:
            report.add("unknown-star-policy", file=display, column="stars.policy", value=policy)
        else:
            scheme.star_policy = policy
        target = scheme.shares if scheme.star_policy == "shares" else scheme.thresholds
        levels = ("five", "four") if scheme.star_policy == "shares" else STAR_LEVELS
        for level in levels:
            if level in stars:
                value = number("stars", level, stars[level])
                if value is not None:
                    target[level] = value
        shares = scheme.shares.values()
        if scheme.star_policy == "shares" and (sum(shares) > 1 or min(shares) < 0):
            report.add("scheme-bad-value", file=display, column="stars", value=scheme.shares)
        minima = [scheme.thresholds[level] for level in STAR_LEVELS]
        if scheme.star_policy == "thresholds" and minima != sorted(minima, reverse=True):
            # five = 80, four = 90 would leave four stars to nobody
            shown = ", ".join(f"{level} = {scheme.thresholds[level]:g}" for level in STAR_LEVELS)
            report.add("thresholds-out-of-order", file=display, column="stars", value=shown)
    timeline = raw.get("timeline")
    if isinstance(timeline, dict):
        import datetime

        for key, value in timeline.items():
            if key not in GROUPS:  # reported above
                continue
            try:
                start, end = (datetime.date.fromisoformat(str(v)) for v in value)
            except (TypeError, ValueError):
                report.add("scheme-bad-value", file=display, column=f"timeline.{key}", value=value)
                continue
            if start > end:
                report.add(
                    "timeline-reversed",
                    file=display,
                    column=f"timeline.{key}",
                    value=f"{start.isoformat()} .. {end.isoformat()}",
                )
                continue
            scheme.timeline[key] = (start.isoformat(), end.isoformat())
    rewards = raw.get("rewards")
    if isinstance(rewards, dict):
        for key, value in rewards.items():
            if key not in STAR_LEVELS:  # reported above
                continue
            amount = number("rewards", key, value)
            if amount is not None:
                scheme.rewards[key] = amount
    return scheme


def _office_raters(value: object, display: str, report: Report) -> list[dict[str, str]]:
    """The office raters named for the forms ({"id", "name"}), from tables with an id.

    Only `forms` reads them, so a wrong entry is a warning that names it, not an error
    that would stop a year from being ranked; it is left off the forms.
    """
    entries = value if isinstance(value, list) else [value]
    kept: list[dict[str, str]] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        rater_id = ""
        if isinstance(entry, dict):
            rater_id = str(entry.get("id") or entry.get("rater_id") or "").strip()
        if not rater_id or rater_id in seen:
            report.warn(
                "scheme-bad-value",
                file=display,
                column=f"raters.office_raters[{position}]",
                value=entry,
            )
            continue
        seen.add(rater_id)
        name = str(entry.get("name") or entry.get("rater_name") or "").strip()  # type: ignore[union-attr]
        kept.append({"id": rater_id, "name": name})
    return kept


def load_year(
    root: Path | str,
    year: str | int,
    *,
    scores: bool = True,
    progress: Progress | None = None,
    people_details: bool = True,
    check_people: Callable[[YearData], list[Problem]] | None = None,
) -> tuple[YearData, Report]:
    """Read every file of ROOT/YEAR. Raises YearFolderMissing only for a missing folder.

    Without `people_details` (validating and ranking need none), the roster has no
    name, household or compound columns, and the representatives no order or name
    (ROSTER_DETAILS, REPS_DETAILS). They are still looked at for what a reading warns
    about, and a large roster is then read about a third faster (make_table).

    `check_people` (validate.check_people), given with `people_details=False`, lets a
    large roster be read and checked in a child process while this one reads the score
    sheets (_people_beside_sheets): only the representatives and the problems come
    back, and data.roster is None, data.people_checked the checks' problems.

    `progress`, when given, is called after each file read with the file's name, the
    bytes read so far and the bytes of every input file of the year (a progress bar).
    """
    import pandas as pd

    folder = year_folder(Path(root), year)
    report = Report()
    input_files: list[Path] = []
    scheme = load_scheme(folder, report, input_files)
    data = YearData(
        root=Path(root),
        year=str(year),
        folder=folder,
        scheme=scheme,
        communities=pd.DataFrame(),
        criteria=pd.DataFrame(),
        roster=None,
        reps=None,
        flags=pd.DataFrame(),
        scores=pd.DataFrame(),
        input_files=input_files,
    )

    read = _BytesRead(folder, progress, scores)
    tables = _read_kind(folder, "communities", report, data, read=read)
    _strip_all(tables, report)
    data.communities = _concat(tables, ["community_id", "name", "area"])

    tables = _read_kind(folder, "criteria", report, data, read=read)
    _text_columns_all(tables, ["item_id", "category", "name"], report)
    criteria = _concat(tables, ["item_id", "category", "name"])
    criteria["max_points"] = _number_column(tables, "max_points", report, "max-points-not-number")
    data.criteria = _drop_reserved_items(criteria, tables, report)

    # A child process starts on the score sheets now, on the other core (_SheetReading).
    sheet_paths = sheet_files(folder) if scores else []
    people = None
    if check_people is not None and not people_details and scores:
        people = _people_beside_sheets(folder, data, sheet_paths, check_people)
    sheets = _SheetReading(folder, data, sheet_paths, read, people)

    try:
        if sheets.people_in_child:
            # the people's problems go where one process reading them would have put
            # them, before the flags' (and their files in the same place)
            mark = (len(report.problems), len(data.input_files))
            _read_flags(folder, report, data, read)
            data.scores = sheets.finish(report, read)
            _people_read_apart(folder, report, data, read, sheets.people_part, mark)
        else:
            # while the child reads the sheets: a file larger than all of them is the
            # long pole, worth cutting in two (_read_text_kind)
            _read_people(folder, report, data, read, sheets.child_bytes, people_details)
            _read_flags(folder, report, data, read)
            if scores:
                data.scores = sheets.finish(report, read)
    except BaseException:
        sheets.cancel()
        raise
    if scores:
        _name_unsaved_formulas(folder, report)
    if not scores:  # not read, but still inputs: no output may ever be written over one
        data.input_files.extend(sheet_files(folder))
    return data, report


def _name_unsaved_formulas(folder: Path, report: Report) -> None:
    """A blank score in a workbook that holds a formula there with no saved value says
    so (the cure is opening and saving it in Excel or WPS, not typing the score).

    Only workbooks that have blank scores are opened again, and only their sheets with
    blank scores are looked at: the reading of a year without them costs nothing more.
    """
    from dataclasses import replace

    from starcommunity.io.tables import unsaved_formulas

    wanted: dict[str, dict[str, set[str]]] = {}
    for problem in report.problems:
        if (
            problem.code == "score-blank"
            and problem.sheet
            and problem.cell is not None
            and Path(problem.file or "").suffix.lower() in EXCEL_SUFFIXES
        ):
            wanted.setdefault(problem.file or "", {}).setdefault(problem.sheet, set()).add(
                problem.cell
            )
    if not wanted:
        return
    found = {file: unsaved_formulas(folder / file, cells) for file, cells in wanted.items()}
    for position, problem in enumerate(report.problems):
        if problem.code != "score-blank" or problem.file not in found:
            continue
        formula = found[problem.file or ""].get((problem.sheet or "", problem.cell or ""))
        if formula is not None:
            params = (*problem.params, ("suggest", formula), ("suggest_why", "formula"))
            report.problems[position] = replace(problem, params=tuple(sorted(params)))


# what only the draw, the forms and the notice read of the roster and the
# representatives (load_year's people_details)
ROSTER_DETAILS = frozenset(("name", "household", "compound"))
REPS_DETAILS = frozenset(("order", "name"))


def _read_people(
    folder: Path,
    report: Report,
    data: YearData,
    read: Tell,
    busy_bytes: int = 0,
    people_details: bool = True,
) -> None:
    """The roster and the representatives; `busy_bytes` of score sheets are read
    meanwhile by another process."""
    columns = ["community_id", "resident_id", "name", "household", "compound", "eligible"]
    details = frozenset() if people_details else ROSTER_DETAILS
    tables = _read_text_kind(folder, "roster", columns, report, data, read, busy_bytes, details)
    if tables:
        roster = _concat(tables, [column for column in columns if column not in details])
        _parse_bool(roster, "eligible", tables, report)
        data.roster = roster

    columns = ["community_id", "order", "resident_id", "name", "role"]
    details = frozenset() if people_details else REPS_DETAILS
    tables = _read_text_kind(folder, "reps", columns, report, data, read, busy_bytes, details)
    if tables:
        reps = _concat(tables, [column for column in columns if column not in details])
        roles = _object_series(
            map_distinct(reps["role"], lambda d: [ROLE_ALIASES.get(header_key(r)) for r in d]),
            reps.index,
        )
        for position in roles[roles.isna()].index[:1000]:
            report.add(
                "bad-role",
                file=reps.at[position, "_file"],
                sheet=reps.at[position, "_sheet"],
                row=int(reps.at[position, "_row"]),
                column=_label(
                    tables, reps.at[position, "_file"], reps.at[position, "_sheet"], "role"
                ),
                value=reps.at[position, "role"],
            )
        reps["role"] = roles.fillna(reps["role"])
        data.reps = reps


def _read_flags(folder: Path, report: Report, data: YearData, read: Tell) -> None:
    tables = _read_kind(folder, "flags", report, data, required_file=False, read=read)
    _text_columns_all(tables, ["community_id", "flag", "date", "note"], report)
    data.flags = _concat(tables, ["community_id", "flag", "date", "note"])


def _strip_all(tables: list[Table], report: Report) -> None:
    _text_columns_all(tables, ["community_id", "name", "area"], report)


def _text_columns_all(tables: list[Table], columns: list[str], report: Report) -> None:
    for table in tables:
        _text_columns(table, columns, report)


def _number_column(tables: list[Table], column: str, report: Report, bad_code: str) -> pd.Series:
    import pandas as pd

    parts = []
    for table in tables:
        values, blank, not_a_number, repaired = parse_numbers(table.frame[column], table.from_excel)
        for position in (blank | not_a_number)[blank | not_a_number].index[:1000]:
            report.add(
                bad_code,
                file=table.file,
                sheet=table.sheet,
                row=int(table.frame.at[position, "_row"]),
                column=table.column_label(column),
                value=cell_text(table.frame.at[position, column]),
            )
        _report_repaired(table, column, repaired, report)
        parts.append(values)
    if not parts:
        return pd.Series(dtype=float)
    return pd.concat(parts, ignore_index=True)


def _report_repaired(table: Table, column: str, repaired: pd.Series, report: Report) -> None:
    for position in repaired[repaired].index[:1000]:
        report.warn(
            "number-as-text",
            file=table.file,
            sheet=table.sheet,
            row=int(table.frame.at[position, "_row"]),
            column=table.column_label(column),
            value=str(table.frame.at[position, column]),
        )


def sheet_files(folder: Path) -> list[Path]:
    sheets = folder / "sheets"
    if not sheets.is_dir():
        return []
    return sorted(
        path
        for path in sheets.rglob("*")
        if path.is_file()
        and not path.name.startswith(("~$", "."))
        # other spreadsheets are listed too: reading them says they are not read
        and path.suffix.lower() in CSV_SUFFIXES | EXCEL_SUFFIXES | OTHER_SPREADSHEET_SUFFIXES
    )


def item_header_keys(criteria: pd.DataFrame) -> dict[str, str]:
    """header key -> item id, for item columns named by id, by name, or by both."""
    keys: dict[str, str] = {}
    names = criteria["name"].astype(str)
    # names that a header cannot tell apart ('居委会依法选举', '居委会 依法选举') head no column
    name_keys = names.map(header_key)
    duplicated_names = set(names[name_keys.duplicated(keep=False)])
    for item_id, name in zip(criteria["item_id"], names, strict=True):
        if not item_id:
            continue
        keys.setdefault(header_key(item_id), item_id)
        if name and name not in duplicated_names:
            keys.setdefault(header_key(name), item_id)
            keys.setdefault(header_key(f"{item_id}{name}"), item_id)
    return keys


def items_named(criteria: pd.DataFrame, header: str) -> list[str]:
    """The ids of the items whose name is this header (as item_header_keys compares)."""
    if not len(criteria) or not header:
        return []
    key = header_key(header)
    return [
        str(item_id)
        for item_id, name in zip(criteria["item_id"], criteria["name"], strict=True)
        if item_id and isinstance(name, str) and name and header_key(name) == key
    ]


class _Deferred:
    """Problems found while reading score sheets in batches, put back in reading order.

    Each problem carries a key (table number, phase, sub-order); a stable sort by key
    gives the order a sheet-by-sheet reader would have found them in.
    """

    def __init__(self) -> None:
        self.report = Report()
        self.keys: list[tuple[int, int, int]] = []

    def add(self, key: tuple[int, int, int], code: str, **kwargs: object) -> None:
        self.report.add(code, **kwargs)  # type: ignore[arg-type]
        self.keys.append(key)

    def warn(self, key: tuple[int, int, int], code: str, **kwargs: object) -> None:
        self.add(key, code, severity="warning", **kwargs)

    def extend(self, table_number: int, other: Report) -> None:
        for problem in other.problems:
            self.report.problems.append(problem)
            self.keys.append((table_number, -1, 0))

    def flush(self, report: Report) -> None:
        order = sorted(range(len(self.keys)), key=self.keys.__getitem__)
        problems = self.report.problems
        report.problems.extend(problems[i] for i in order)


# Phases of the problems of one score table, in the order they are reported.
_UNKNOWN_ITEM, _MISSING_ITEM, _TEXT, _GROUP, _SCORES, _SCORELESS = range(6)
SCORE_META = ("community_id", "group", "rater_id", "rater_name", "date")
TEXT_META = ("community_id", "group", "rater_id", "rater_name")


# CSV score tables are processed together up to this many rows (pandas' fixed cost per
# call is paid per batch, not per file); a larger file is processed alone.
CSV_BATCH_ROWS = 20_000
# A roster or reps CSV this large is read in two halves, one by a forked child (one
# file, otherwise read by one process while the other waits). Above the upper bound (a
# nation's roster) a third process holding half of it would strain the memory, and the
# sheets keep the second core busy anyway. Beside a child reading sheets, the file must
# also be 3 times their size: a 20 MB roster beside 16 MB of sheets read 0.15 s slower
# in halves (three processes on two cores, and the packing), a 41 MB one as fast, a
# 104 MB one 0.4 s faster.
SPLIT_MIN_BYTES = 16_000_000
SPLIT_MAX_BYTES = 256_000_000
# Parent and child claim small sheet files in runs of about this many bytes.
RUN_BYTES = 256 * 1024
# Below this many bytes of score sheets a second process costs more than it saves.
PARALLEL_MIN_BYTES = 2_000_000


# A roster at least this large, read whole (not in halves), is read and checked in the
# child process beside the score sheets when the reader asks (load_year's
# check_people): this process reads the sheets meanwhile, and the roster never has to
# be sent to it. The child then takes its share of sheets from the back as usual.
PEOPLE_BESIDE_MIN_BYTES = 32_000_000


@dataclass
class _PeopleRead:
    """What reading the roster and the representatives, and checking them, added in a
    child process: the problems and data it found, the representatives packed."""

    problems: list[Problem]
    checked: list[Problem]
    paths: dict[str, Path | None]
    headers: dict[tuple[str, str | None], dict[str, tuple[str, str]]]
    encodings: dict[str, str]
    input_files: list[Path]
    reps: dict[str, tuple[Any, tuple[str, Any]]] | None  # name: (dtype, packed column)


def _people_beside_sheets(
    folder: Path,
    data: YearData,
    sheet_paths: list[Path],
    check_people: Callable[[YearData], list[Problem]],
) -> Callable[[Tell], _PeopleRead] | None:
    """The people's work for the sheet child to do first, when the roster is large,
    read whole and beside enough sheets for this process to read meanwhile."""
    from starcommunity.io import forked

    roster = find_file(folder, "roster", Report())  # (its problems are found later)
    if roster is None or not forked.can_fork():
        return None
    if roster.stat().st_size < PEOPLE_BESIDE_MIN_BYTES:
        return None
    sheet_bytes = sum(path.stat().st_size for path in sheet_paths)
    if sheet_bytes < PARALLEL_MIN_BYTES or _cut_in_halves(roster, sheet_bytes):
        return None

    def work(tell: Tell) -> _PeopleRead:
        report = Report()
        known = (set(data.paths), set(data.headers), set(data.encodings), len(data.input_files))
        _read_people(folder, report, data, tell, sheet_bytes, people_details=False)
        checked = check_people(data)
        reps = data.reps
        return _PeopleRead(
            problems=report.problems,
            checked=checked,
            paths={k: v for k, v in data.paths.items() if k not in known[0]},
            headers={k: v for k, v in data.headers.items() if k not in known[1]},
            encodings={k: v for k, v in data.encodings.items() if k not in known[2]},
            input_files=data.input_files[known[3] :],
            reps=None
            if reps is None
            else {
                name: (reps[name].dtype, forked.pack_column(reps.pop(name).to_numpy(), share=False))
                for name in list(reps)
            },
        )

    return work


def _people_read_apart(
    folder: Path,
    report: Report,
    data: YearData,
    read: _BytesRead,
    part: _PeopleRead | None,
    mark: tuple[int, int],
) -> None:
    """Take in what the sheet child read and checked of the roster and representatives
    (part), or read them here if the child failed (None); their problems and files go
    at `mark` (positions in report.problems and data.input_files)."""
    from starcommunity.io import forked

    if part is None:  # as without a child: the roster kept, to be checked with the rest
        people_report = Report()
        files_before = len(data.input_files)
        _read_people(folder, people_report, data, read, people_details=False)
        problems, files = people_report.problems, data.input_files[files_before:]
        del data.input_files[files_before:]
    else:
        problems, files = part.problems, part.input_files
        data.paths.update(part.paths)
        data.headers.update(part.headers)
        data.encodings.update(part.encodings)
        if part.reps is not None:
            import pandas as pd

            data.reps = pd.DataFrame(
                {
                    name: pd.Series(forked.unpack_column(values), dtype=dtype, copy=False)
                    for name, (dtype, values) in part.reps.items()
                },
                copy=False,
            )
        data.people_checked = part.checked
    problems_at, files_at = mark
    report.problems[problems_at:problems_at] = problems
    data.input_files[files_at:files_at] = files


class _SheetReading:
    """The score sheets, read by this process and, on a system that can fork, a child.

    The child starts on the last sheet file as soon as the criteria are known, and
    works towards the first while this process reads the roster, reps and flags; then
    this process reads from the first file on until the two meet (forked.Claims). Each
    file is read whole by one of them, and the results are joined in file order: the
    same frame and the same problems in the same order as one process reading them all.
    Small files are claimed a run at a time (_runs_of_files), so that they are read as
    one batch there too.

    With `people` (_people_beside_sheets) the roles of the roster turn: the child reads
    and checks the roster and reps first, then claims sheets from the back, while this
    process reads the flags and claims sheets from the front from the start.
    """

    def __init__(
        self,
        folder: Path,
        data: YearData,
        paths: list[Path],
        read: _BytesRead,
        people: Callable[[Tell], _PeopleRead] | None = None,
    ) -> None:
        """`people`: work the child does first, before its share of sheets; when the
        child starts, people_in_child is True and finish() sets people_part (None if
        the child failed)."""
        from starcommunity.io import forked

        self.folder, self.data, self.paths = folder, data, paths
        self.items = _score_items(data)
        self.child: ForkedJob | None = None
        self.claims: Claims | None = None
        self.people = people
        self.people_in_child = False
        self.people_part: _PeopleRead | None = None
        sizes = [path.stat().st_size for path in paths]
        self.runs = _runs_of_files(paths, sizes)
        self.child_bytes = 0  # of sheets a child reads beside this process
        # even one sheet file: the child reads it while this process reads the roster
        if paths and sum(sizes) >= PARALLEL_MIN_BYTES and forked.can_fork():
            try:
                self.claims = forked.Claims(len(self.runs))
            except OSError:  # no temporary file or shared page: read them all here
                return
            on_progress = read.tell if read.progress is not None else None
            self.child = forked.start(
                self._child_work(self.claims, on_progress is not None), on_progress
            )
            self.child_bytes = sum(sizes) if self.child is not None else 0
            self.people_in_child = people is not None and self.child is not None
            if self.child is None:
                self.cancel()

    def cancel(self) -> None:
        """This process failed before finish(): stop the child, free what it holds."""
        if self.child is not None:
            self.child.cancel()
            self.child = None
        if self.claims is not None:
            self.claims.close()
            self.claims = None

    def _read(
        self, report: Report, read: Callable[[str, Path], None] | None, paths: list[Path]
    ) -> dict[str, np.ndarray]:
        return _read_sheets(self.folder, self.data, self.items, report, read, paths)

    def _child_work(self, claims: Claims, progress: bool) -> Callable[[Sender], None]:
        from starcommunity.io import forked

        def work(send: Sender) -> None:
            data = self.data
            tell = (lambda display, path: send.progress((display, path))) if progress else None
            # sent after the sheets' loop, with the rest: sending waits for the parent,
            # which reads the pipe only once it has read its own share
            people = self.people(tell or (lambda display, path: None)) if self.people else None
            problems: list[list[Problem]] = []
            added: list[tuple[dict, dict, list[Path]]] = []
            parts: list[dict[str, np.ndarray]] = []
            while (number := claims.back()) is not None:
                # what each file adds, kept apart: they are read from the last to the first
                data.sheets, data.encodings, data.input_files = {}, {}, []
                report = Report()
                parts.append(self._read(report, tell, self.runs[number]))
                problems.append(report.problems)
                added.append((data.sheets, data.encodings, data.input_files))
            for done in (problems, added, parts):
                done.reverse()
            if self.people is not None:
                send.part(people)
            send.part(
                (
                    [problem for file_problems in problems for problem in file_problems],
                    {key: info for sheets, _e, _i in added for key, info in sheets.items()},
                    {name: code for _s, encodings, _i in added for name, code in encodings.items()},
                    [path for _s, _e, input_files in added for path in input_files],
                )
            )
            # the parent may have read every file already: then no rows go back
            columns = _join_columns(parts or [self._read(Report(), None, [])])
            # packed before any is sent: the parent is likely still reading, and sending
            # waits for it
            packed = [(name, forked.pack_column(columns.pop(name))) for name in list(columns)]
            for name_and_column in packed:
                send.part(name_and_column)

        return work

    def finish(self, report: Report, read: _BytesRead) -> pd.DataFrame:
        """Read this process's share, then take the child's (or read it, if it failed)."""
        from starcommunity.io import forked

        if self.child is None or self.claims is None:
            return _with_dates(self._read(report, read, self.paths))
        parts = []
        own = 0
        while (number := self.claims.front()) is not None:
            parts.append(self._read(report, read, self.runs[number]))
            own = number + 1
        child, self.child = self.child, None  # collect reaps it: never signal it again
        sent = child.collect()
        self.cancel()
        if sent is None:  # the child failed: read here what it did not send
            parts.append(self._read(report, read, [p for run in self.runs[own:] for p in run]))
            return _with_dates(_join_columns(parts))
        if self.people_in_child:
            self.people_part, *sent = sent
        (problems, sheets, encodings, input_files), *columns = sent
        report.problems.extend(problems)
        self.data.sheets.update(sheets)
        self.data.encodings.update(encodings)
        self.data.input_files.extend(input_files)
        parts.append({name: forked.unpack_column(packed) for name, packed in columns})
        return _with_dates(_join_columns(parts))


def _runs_of_files(paths: list[Path], sizes: list[int]) -> list[list[Path]]:
    """The sheet files in order, cut into runs of about RUN_BYTES: a large file is a run
    of its own, small ones (a file per community) go together."""
    runs: list[list[Path]] = []
    run_bytes = 0
    for path, size in zip(paths, sizes, strict=True):
        if not runs or size >= RUN_BYTES or run_bytes + size > RUN_BYTES:
            runs.append([])
            run_bytes = 0
        runs[-1].append(path)
        run_bytes += size
    return runs


def _with_dates(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The score frame, its date cells (Excel dates, 2008/12/1, 2008年12月1日) as ISO text."""
    import pandas as pd

    raw = pd.Series(columns["date"], dtype=object, copy=False)
    columns["date"] = _parse_dates(raw).to_numpy(dtype=object)
    return _object_frame(columns)


def _object_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A frame of these columns as they are; text stays object (pandas would make it str
    and turn the None of a CSV's _sheet or of a missing date into NaN)."""
    import pandas as pd

    return pd.DataFrame(
        {
            name: pd.Series(values, dtype=object, copy=False) if values.dtype == object else values
            for name, values in columns.items()
        },
        copy=False,
    )


def _join_columns(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The columns of several reads one after another, a column at a time; reads without
    rows (a file with no score table) are left out, and their column order with them."""
    import numpy as np

    filled = [part for part in parts if len(next(iter(part.values())))] or parts[:1]
    if len(filled) == 1:
        return filled[0]
    return {name: np.concatenate([part.pop(name) for part in filled]) for name in list(filled[0])}


def _score_items(data: YearData) -> tuple[list[str], dict[str, str]]:
    """The item ids, and the header keys their columns may be headed with."""
    item_keys = item_header_keys(data.criteria) if len(data.criteria) else {}
    return [i for i in data.item_ids if i], item_keys


def _read_sheets(
    folder: Path,
    data: YearData,
    items: tuple[list[str], dict[str, str]],
    report: Report,
    read: Callable[[str, Path], None] | None,
    paths: list[Path],
) -> dict[str, np.ndarray]:
    """The score sheets in `paths` as the columns of one wide frame.

    Excel sheets are gathered and processed in one batch (they are many and small), so
    no work is repeated per sheet. CSV tables are processed in batches of about
    CSV_BATCH_ROWS rows: a large file alone (pandas types its score columns), small
    ones (a file per community) together.
    """
    import numpy as np

    item_ids, item_keys = items
    deferred = _Deferred()
    tables: list[Table] = []
    pieces: list[dict[str, np.ndarray]] = []
    excel: list[int] = []
    batch: list[int] = []
    batch_rows = 0

    def process(numbers: list[int]) -> None:
        if numbers:
            pieces.append(_score_block(tables, numbers, item_ids, deferred))
            for number in numbers:
                # its cells now live in the piece; a copy, as a view would keep them all
                tables[number].frame = tables[number].frame.iloc[:0].copy()
            numbers.clear()

    for path in paths:
        display = str(path.relative_to(folder))
        data.input_files.append(path)
        file_report = Report()
        grids = read_grids(path, display, file_report, lazy=True)
        found = _tables(
            grids, "sheets", file_report, data, True, item_keys, numeric=frozenset(item_ids)
        )
        del grids
        deferred.extend(len(tables), file_report)
        for table in found:
            number = len(tables)
            tables.append(table)
            _sheet_header(table, number, item_ids, data, deferred)
            if table.from_excel:
                excel.append(number)
                continue
            if len(table.frame) >= CSV_BATCH_ROWS:
                process(batch)  # the batch keeps reading order; this one goes alone
                batch_rows = 0
                process([number])
                continue
            batch.append(number)
            batch_rows += len(table.frame)
            if batch_rows >= CSV_BATCH_ROWS:
                process(batch)
                batch_rows = 0
        if read is not None:
            read(display, path)
    process(batch)
    reorder = bool(excel) and len(excel) < len(tables)
    process(excel)
    deferred.flush(report)
    if not pieces:
        columns = {c: np.empty(0, dtype=object) for c in [*SCORE_META, *META_COLUMNS]}
        columns.update({i: np.empty(0, dtype=float) for i in item_ids})
        return columns
    return _join_pieces(pieces, reorder=reorder)


def _join_pieces(pieces: list[dict[str, np.ndarray]], reorder: bool) -> dict[str, np.ndarray]:
    """One set of columns from the pieces, a column at a time, so a nation-sized year is
    never held twice (pd.concat would copy every piece at once before freeing any)."""
    import numpy as np

    order = None
    if reorder:  # back to reading order: files sorted by path, sheets in workbook order
        order = np.concatenate([piece["_t"] for piece in pieces]).argsort(kind="stable")
    columns: dict[str, np.ndarray] = {}
    for name in [c for c in pieces[0] if c != "_t"]:
        parts = [piece.pop(name) for piece in pieces]
        column = np.concatenate(parts) if len(parts) > 1 else parts[0]
        del parts
        columns[name] = column if order is None else column[order]
    pieces.clear()
    return columns


def _sheet_header(
    table: Table, number: int, item_ids: list[str], data: YearData, deferred: _Deferred
) -> None:
    """Where the sheet's columns stand, and what its header row lacks or has too much."""
    from starcommunity.problems import excel_column_letter

    frame = table.frame
    items_here = [c for c in frame.columns if c in item_ids]
    letters = {c: table.headers[c] for c in frame.columns if c in table.headers}
    data.sheets[(table.file, table.sheet)] = SheetInfo(
        file=table.file,
        sheet=table.sheet,
        header_row=table.header_row,
        items={c: letters[c] for c in items_here},
        columns={c: letters[c] for c in SCORE_META if c in letters},
    )
    for index, header in table.extras.items():
        if header_key(header) in UNREAD_SHEET_COLUMN_KEYS:
            continue
        # the name of two items (criteria lists A1 and G3 as 居委会依法选举) is no
        # unknown item: it is one that cannot be told apart
        namesakes = items_named(data.criteria, header)
        deferred.add(
            (number, _UNKNOWN_ITEM, 0),
            "ambiguous-item-column" if len(namesakes) > 1 else "unknown-item",
            items=", ".join(namesakes),
            file=table.file,
            sheet=table.sheet,
            row=table.header_row,
            column=f"{header} ({excel_column_letter(index)})"
            if header
            else excel_column_letter(index),
            value=header,
        )
    for item_id in item_ids:
        if item_id not in items_here:
            deferred.add(
                (number, _MISSING_ITEM, 0),
                "missing-item-column",
                file=table.file,
                sheet=table.sheet,
                row=table.header_row,
                column=item_id,
                value=item_id,
            )


# At most this many rows without scores are named per sheet
SCORELESS_ROWS_SHOWN = 1000


def _without_other_headers(
    tables: list[Table],
    frame: pd.DataFrame,
    owner: np.ndarray,
    deferred: _Deferred,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of a block of score tables above any header row of another table, and
    their owners. A second block pasted under the first with its columns in another
    order (or fewer of them) has its own header row: that is an error that says so,
    and the table's rows from it on are not read, as under the first header their
    cells would be in the wrong columns. (A header repeated as it is was already left
    out: repeated-header-row.) Only the community and group columns are looked at, a
    distinct value at a time: a pasted header row holds a header word in one of them.
    """
    import numpy as np

    lookup = alias_lookup("sheets")
    required = FILE_COLUMNS["sheets"][0]
    wanted = frozenset(required)
    header_like = np.zeros(len(frame), dtype=bool)
    for column in ("community_id", "group"):
        if column in frame.columns:
            header_like |= map_distinct(
                frame[column],
                lambda d: [lookup.get(header_key(cell_text(v))) in wanted for v in d],
                dtype=bool,
            )
    if not header_like.any():
        return frame, owner
    keep = np.ones(len(frame), dtype=bool)
    positions = np.flatnonzero(header_like)
    # the first header-like row of each table, and every row of it from there on
    first = positions[np.r_[True, owner[positions][1:] != owner[positions][:-1]]]
    for position in first:
        number = int(owner[position])
        table = tables[number]
        cut = (owner == number) & (np.arange(len(frame)) >= position)
        keep &= ~cut
        texts = [cell_text(frame.at[position, c]) for c in required if c in frame.columns]
        deferred.add(
            (number, _SCORELESS, -1),
            "other-header-row",
            file=table.file,
            sheet=table.sheet,
            row=int(frame.at[position, "_row"]),
            value=" ".join(t for t in texts if t),
            header_row=table.header_row,
            rows=int(cut.sum()),
        )
    return frame[keep].reset_index(drop=True), owner[keep]


def _without_scoreless_rows(
    tables: list[Table],
    numbers: list[int],
    frame: pd.DataFrame,
    owner: np.ndarray,
    item_ids: list[str],
    deferred: _Deferred,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of a block of score tables with a score in some item column, and their
    owners; the others are named, one problem each, instead of a blank score in every
    item column (and a blank ID, an unknown community): 26 problems for one row.

    A row naming a rater is an error: a rater listed without scores is a blank, not a
    zero, nor someone who did not come (delete the row then). Any other (a row holding
    only a name, the title of a second block pasted under the first) is left out with
    a warning. Done once per block, not per table: a city keeps thousands of sheets.
    """
    import numpy as np

    items = [c for c in item_ids if c in frame.columns]
    if not items or not len(frame):
        return frame, owner
    scoreless = blank_rows(frame, items)
    without_items = [n for n in numbers if not any(i in tables[n].frame.columns for i in items)]
    if without_items:  # a table lacking every item column is reported as such
        scoreless &= ~np.isin(owner, without_items)
    if not scoreless.any():
        return frame, owner
    rater = (
        ~blank_cells(frame["rater_id"])
        if "rater_id" in frame.columns
        else np.zeros(len(frame), dtype=bool)
    )
    shown = [c for c in ("rater_id", "rater_name", "community_id") if c in frame.columns]
    others = [c for c in frame.columns if c not in items and c not in shown and c != "_row"]
    chosen, counts = _first_per_table(scoreless, owner, SCORELESS_ROWS_SHOWN)
    for position in chosen:
        number = int(owner[position])
        texts = [cell_text(frame.at[position, c]) for c in (*shown, *others)]
        filled = list(dict.fromkeys(t for t in texts if t))
        deferred.add(
            (number, _SCORELESS, 0),
            "rater-without-scores" if rater[position] else "row-without-scores",
            severity="error" if rater[position] else "warning",
            file=tables[number].file,
            sheet=tables[number].sheet,
            row=int(frame.at[position, "_row"]),
            value=" ".join(filled[:2]),
        )
    for number, count in counts.items():
        if count > SCORELESS_ROWS_SHOWN:
            table = tables[number]
            deferred.add(
                (number, _SCORELESS, 1),
                "too-many-problems",
                severity="error" if rater[owner == number].any() else "warning",
                file=table.file,
                sheet=table.sheet,
                column=table.column_label(items[0]),
                value=count,
                shown=SCORELESS_ROWS_SHOWN,
            )
    keep = ~scoreless
    return frame[keep].reset_index(drop=True), owner[keep]


def _first_per_table(mask: np.ndarray, numbers: np.ndarray, limit: int) -> tuple:
    """Positions where mask holds, at most `limit` per table; and the count per table.

    Rows of one table are contiguous in a block, so a position's rank within its table
    is its rank among the positions minus that of its table's first one.
    """
    import numpy as np

    positions = np.flatnonzero(mask)
    if not len(positions):
        return positions, {}
    owners = numbers[positions]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    lengths = np.diff(np.r_[starts, len(positions)])
    rank = np.arange(len(positions)) - np.repeat(starts, lengths)
    counts = {int(owners[s]): int(n) for s, n in zip(starts, lengths, strict=True)}
    return positions[rank < limit], counts


def _score_block(
    tables: list[Table], numbers: list[int], item_ids: list[str], deferred: _Deferred
) -> dict[str, np.ndarray]:
    """Score tables of one kind (one CSV file, or every Excel sheet) as canonical rows."""
    import numpy as np
    import pandas as pd

    from_excel = tables[numbers[0]].from_excel
    if len(numbers) == 1:
        frame = tables[numbers[0]].frame
        owner = np.full(len(frame), numbers[0])
    else:
        parts = [tables[n].frame for n in numbers]
        owner = np.repeat(numbers, [len(p) for p in parts])
        frame = pd.concat(parts, ignore_index=True)
        del parts
    frame, owner = _without_other_headers(tables, frame, owner, deferred)
    frame, owner = _without_scoreless_rows(tables, numbers, frame, owner, item_ids, deferred)
    has = {c: frozenset(n for n in numbers if c in tables[n].frame.columns) for c in frame}

    def absent(column: str) -> np.ndarray | None:
        """Rows whose table has no such column (after concatenation they hold NaN)."""
        if len(has[column]) == len(numbers):
            return None
        return ~np.isin(owner, list(has[column]))

    def where(position: int) -> dict[str, object]:
        table = tables[int(owner[position])]
        return {"file": table.file, "sheet": table.sheet, "row": int(rows[position])}

    rows = frame["_row"].to_numpy()
    result: dict[str, np.ndarray] = {}
    for k, column in enumerate(TEXT_META):
        if column not in frame:
            result[column] = np.full(len(frame), "", dtype=object)
            continue
        missing = absent(column)
        cells = frame[column]
        if missing is not None and not from_excel:
            # a batch's CSV without the column: NaN would send the whole column cell by cell
            cells = cells.where(~missing, "")
        text, changed, stripped = normalise_text(cells, from_excel)
        if missing is not None:
            text[missing] = ""
            changed = changed[~missing[changed]]
        mask = np.zeros(len(frame), dtype=bool)
        mask[changed] = True
        chosen, _counts = _first_per_table(mask, owner, 1000)
        for position in chosen:
            deferred.warn(
                (int(owner[position]), _TEXT, k),
                "text-normalised",
                column=tables[int(owner[position])].column_label(column),
                value=stripped[position],
                normalised=text[position],
                **where(position),
            )
        result[column] = text
    if "date" in frame:
        # parsed once for the whole year (_with_dates): a sheet holds a few distinct dates
        dates = frame["date"].to_numpy(dtype=object, copy=True)
        missing = absent("date")
        if missing is not None:
            dates[missing] = None
        result["date"] = dates
    else:
        result["date"] = np.full(len(frame), None, dtype=object)
    written = result["group"]
    assert isinstance(written, np.ndarray)
    groups = map_distinct(
        pd.Series(written, dtype=object),
        lambda d: [group_code(g) for g in d],
    )
    unknown = pd.isna(groups)
    chosen, _counts = _first_per_table(unknown, owner, 1000)
    for position in chosen:
        deferred.add(
            (int(owner[position]), _GROUP, 0),
            "unknown-group",
            column=tables[int(owner[position])].column_label("group"),
            value=written[position],
            **where(position),
        )
    groups[unknown] = written[unknown]
    result["group"] = groups
    for k, item_id in enumerate(item_ids):
        if item_id not in frame:
            result[item_id] = np.full(len(frame), np.nan)
            continue
        raw = frame[item_id]
        if raw.dtype.kind in "fiu" and not from_excel and absent(item_id) is None:
            # pandas' C parser typed the column: every cell a number (it leaves a column
            # with any blank or 'nan' as text), so nothing is blank or to repair
            typed = raw.to_numpy(dtype=np.float64, copy=True)
            if not np.isnan(typed).any():
                result[item_id] = typed
                continue
        values, blank, not_a_number, repaired = (
            series.to_numpy(copy=True) for series in parse_numbers(raw, from_excel)
        )
        missing = absent(item_id)
        if missing is not None:
            values[missing] = np.nan
            blank &= ~missing
            not_a_number &= ~missing
            repaired &= ~missing
        for step, (code, mask) in enumerate(
            (("score-blank", blank), ("score-not-number", not_a_number))
        ):
            chosen, counts = _first_per_table(mask, owner, 5000)
            texts = [cell_text(raw.iat[position]) for position in chosen]
            hints = score_hints(texts) if code == "score-not-number" else {}
            for position, text in zip(chosen, texts, strict=True):
                number = int(owner[position])
                deferred.add(
                    (number, _SCORES, k * 5 + step * 2),
                    code,
                    column=tables[number].column_label(item_id),
                    value=text,
                    item=item_id,
                    **hints.get(text, {}),
                    **where(position),
                )
            for number, count in counts.items():
                if count > 5000:
                    table = tables[number]
                    deferred.add(
                        (number, _SCORES, k * 5 + step * 2 + 1),
                        "too-many-problems",
                        file=table.file,
                        sheet=table.sheet,
                        column=table.column_label(item_id),
                        value=count,
                        shown=5000,
                    )
        chosen, _counts = _first_per_table(repaired, owner, 1000)
        for position in chosen:
            number = int(owner[position])
            deferred.warn(
                (number, _SCORES, k * 5 + 4),
                "number-as-text",
                column=tables[number].column_label(item_id),
                value=str(raw.iat[position]),
                **where(position),
            )
        result[item_id] = values
    # the block's tables only: a year may hold thousands of them
    local = np.searchsorted(np.asarray(numbers), owner)
    result["_file"] = np.array([tables[n].file for n in numbers], dtype=object)[local]
    result["_sheet"] = np.array([tables[n].sheet for n in numbers], dtype=object)[local]
    result["_row"] = rows.astype(int)
    result["_t"] = owner
    return result


# Excel's day numbers of 1954-10-04 and 2119-01-10: a plain number in a date column
# within these is taken for a date.
EXCEL_SERIAL_DAYS = (20_000, 80_000)


def _parse_dates(raw: pd.Series) -> pd.Series:
    """Excel dates, ISO text, 2008/12/1 and 2008年12月1日 all become ISO date strings."""
    import pandas as pd

    return pd.Series(map_distinct(raw, _parse_distinct_dates), index=raw.index, dtype=object)


def _parse_distinct_dates(raw: pd.Series) -> pd.Series:
    import pandas as pd

    written = raw.map(lambda v: v.isoformat()[:10] if hasattr(v, "isoformat") else cell_text(v))
    text = (
        written.str.replace("年", "-", regex=False)
        .str.replace("月", "-", regex=False)
        .str.replace("日", "", regex=False)
        .str.replace("/", "-", regex=False)
        .str.replace(".", "-", regex=False)
    )
    # a time after the date (2008/11/26 10:30, as a date-time cell is saved): the date
    text = text.str.replace(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", "", regex=True)
    parsed = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
    # an Excel date number (39783 is 2008-12-01: a cell that lost its date format when
    # saved as CSV), within 1954..2119 so that no score or ID is taken for one
    serial = pd.to_numeric(written, errors="coerce")
    serial = serial.where(serial.between(EXCEL_SERIAL_DAYS[0], EXCEL_SERIAL_DAYS[1]))
    parsed = parsed.fillna(pd.to_datetime(serial, unit="D", origin="1899-12-30"))
    iso = parsed.dt.strftime("%Y-%m-%d")
    # a cell that is no date stays as written, so its warning shows what the clerk typed
    # ('12月1日', not the '12-1' of the attempt to read it)
    return iso.where(parsed.notna(), written.where(written.ne(""), None)).astype(object)
