"""Load a year folder into canonical frames, collecting every reading problem.

Frames carry `_file`, `_sheet` and `_row` so any later check can point at the cell.
Score sheets stay wide (one row per rater, one float column per item id): that is
how they are written, and it keeps a nation-sized year small in memory.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from starcommunity.io.headers import (
    FALSE_WORDS,
    FILE_COLUMNS,
    FILE_STEMS,
    GROUP_ALIASES,
    ROLE_ALIASES,
    TOTAL_COLUMN_KEYS,
    TRUE_WORDS,
    alias_lookup,
    header_key,
)
from starcommunity.io.tables import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    Grid,
    Table,
    blank_mask,
    cell_text,
    find_header,
    make_table,
    merged_in_rows,
    read_grids,
)
from starcommunity.model import GROUPS, STAR_LEVELS, STAR_POLICIES, Scheme
from starcommunity.problems import Report

if TYPE_CHECKING:
    import pandas as pd

META_COLUMNS = ("_file", "_sheet", "_row")


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


def find_file(folder: Path, kind: str, report: Report) -> Path | None:
    """communities.csv or communities.xlsx (or a Chinese name); two at once is ambiguous."""
    stems = {header_key(stem) for stem in FILE_STEMS[kind]}
    found = sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and not path.name.startswith(("~$", "."))
        and path.suffix.lower() in CSV_SUFFIXES | EXCEL_SUFFIXES
        and header_key(path.stem) in stems
    )
    if len(found) > 1:
        report.add(
            "ambiguous-file",
            file=", ".join(p.name for p in found),
            kind=kind,
        )
    return found[0] if found else None


def _text_columns(table: Table, columns: list[str], report: Report) -> None:
    """Normalise text cells in place (IDs stay text, never numbers)."""
    frame = table.frame
    for column in columns:
        if column not in frame:
            continue
        raw = frame[column]
        if table.from_excel:
            text = raw.map(cell_text)
        else:
            stripped = raw.astype(str).str.strip()
            text = stripped.str.normalize("NFKC")
            changed = text.ne(stripped)
            for position in changed[changed].index[:1000]:
                report.warn(
                    "text-normalised",
                    file=table.file,
                    sheet=table.sheet,
                    row=int(frame.at[position, "_row"]),
                    column=table.column_label(column),
                    value=stripped.at[position],
                    normalised=text.at[position],
                )
        frame[column] = text.astype(object)


def parse_numbers(
    raw: pd.Series, from_excel: bool
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Column-wise number parsing.

    Returns (values, blank, not_a_number, repaired): repaired cells are numbers stored
    as text in Excel, or full-width / otherwise NFKC-changed text in CSV.
    """
    import numpy as np
    import pandas as pd

    if from_excel:
        is_number = raw.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
        numbers = pd.to_numeric(raw.where(is_number), errors="coerce").astype(float)
        text = raw.where(~is_number, "").map(
            lambda v: v.strip() if isinstance(v, str) else ("" if v is None else "\x00")
        )
        blank = text.eq("") & ~is_number
        blank |= is_number & numbers.isna()
    else:
        is_number = pd.Series(False, index=raw.index)
        numbers = pd.Series(np.nan, index=raw.index)
        text = raw.astype(str).str.strip()
        blank = text.eq("")
    needs_text = ~is_number & ~blank
    direct = pd.to_numeric(text.where(needs_text), errors="coerce")
    normalised_text = text.where(needs_text & direct.isna(), "").str.normalize("NFKC")
    normalised_text = normalised_text.str.replace("\u3000", "", regex=False).str.strip()
    normalised = pd.to_numeric(normalised_text.where(normalised_text.ne("")), errors="coerce")
    values = numbers.where(is_number, direct.where(direct.notna(), normalised)).astype(float)
    not_a_number = needs_text & values.isna()
    repaired = needs_text & values.notna()
    if not from_excel:
        repaired &= direct.isna()
    return values, blank, not_a_number, repaired


def _read_kind(
    folder: Path,
    kind: str,
    report: Report,
    data: YearData | None = None,
    required_file: bool = True,
) -> list[Table]:
    path = find_file(folder, kind, report)
    if data is not None:
        data.paths[kind] = path
    if path is None:
        if required_file:
            report.add("missing-file", file=f"{FILE_STEMS[kind][0]}.csv", kind=kind)
        return []
    if data is not None:
        data.input_files.append(path)
    grids = read_grids(path, path.name, report)
    return _tables(grids, kind, report, data, sheet_folder=False)


def _tables(
    grids: list[Grid],
    kind: str,
    report: Report,
    data: YearData | None,
    sheet_folder: bool,
    item_keys: dict[str, str] | None = None,
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
            nonblank = not blank_mask(grid.cells).all(axis=None)
            if nonblank and (sheet_folder or not tables):
                report.add(
                    "no-header-row",
                    severity="error" if not sheet_folder or not grid.from_excel else "warning",
                    file=grid.file,
                    sheet=grid.sheet,
                    expected=", ".join(required),
                )
            continue
        merged = merged_in_rows(grid, header_row, header_row)
        if merged:
            report.add(
                "merged-header",
                file=grid.file,
                sheet=grid.sheet,
                row=header_row,
                value=", ".join(merged),
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
        tables.append(make_table(grid, header_row, mapping))
    if not tables and grids and not sheet_folder and len(report.problems) == problems_before:
        report.add("empty-file", file=grids[0].file)
    return tables


def _concat(tables: list[Table], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    frames = []
    for table in tables:
        frame = table.frame.reindex(columns=[*columns, "_row"]).copy()
        frame[columns] = frame[columns].fillna("").astype(object)
        frame["_file"] = table.file
        frame["_sheet"] = table.sheet
        frames.append(frame)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*columns, *META_COLUMNS]})
    return pd.concat(frames, ignore_index=True)


def _parse_bool(frame: pd.DataFrame, column: str, tables: list[Table], report: Report) -> None:
    text = frame[column].astype(str).str.strip().str.casefold()
    truthy = text.isin(TRUE_WORDS) | text.eq("")
    falsy = text.isin(FALSE_WORDS)
    bad = ~(truthy | falsy)
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


def load_scheme(folder: Path, report: Report, data_files: list[Path] | None = None) -> Scheme:
    scheme = Scheme()
    path = folder / "scheme.toml"
    if not path.is_file():
        return scheme
    if data_files is not None:
        data_files.append(path)
    display = path.name
    scheme.source = display
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        report.add("scheme-unreadable", file=display, reason="not UTF-8")
        return scheme
    except tomllib.TOMLDecodeError as exc:
        report.add("scheme-unreadable", file=display, reason=str(exc))
        return scheme

    def number(section: str, key: str, value: object) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            report.add("scheme-bad-value", file=display, column=f"{section}.{key}", value=value)
            return None
        return float(value)

    weights = raw.get("weights")
    if isinstance(weights, dict):
        parsed: dict[str, float] = {}
        for key, value in weights.items():
            if key not in GROUPS:
                report.add("unknown-group", file=display, column=f"weights.{key}", value=key)
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
            if key not in GROUPS:
                report.add("unknown-group", file=display, column=f"raters.{key}", value=key)
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                report.add("scheme-bad-value", file=display, column=f"raters.{key}", value=value)
                continue
            scheme.raters[key] = value
        office = raters.get("office_raters")
        if isinstance(office, list):
            scheme.office_raters = [dict(r) for r in office if isinstance(r, dict)]
    scoring = raw.get("scoring")
    if isinstance(scoring, dict):
        for key in ("trim", "trim_min"):
            if key in scoring:
                value = scoring[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    report.add(
                        "scheme-bad-value", file=display, column=f"scoring.{key}", value=value
                    )
                else:
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
    timeline = raw.get("timeline")
    if isinstance(timeline, dict):
        import datetime

        for key, value in timeline.items():
            if key not in GROUPS:
                report.add("unknown-group", file=display, column=f"timeline.{key}", value=key)
                continue
            try:
                start, end = (datetime.date.fromisoformat(str(v)) for v in value)
            except (TypeError, ValueError):
                report.add("scheme-bad-value", file=display, column=f"timeline.{key}", value=value)
                continue
            scheme.timeline[key] = (start.isoformat(), end.isoformat())
    rewards = raw.get("rewards")
    if isinstance(rewards, dict):
        for key, value in rewards.items():
            if key not in STAR_LEVELS:
                report.add("scheme-bad-value", file=display, column=f"rewards.{key}", value=key)
                continue
            amount = number("rewards", key, value)
            if amount is not None:
                scheme.rewards[key] = amount
    return scheme


def load_year(root: Path | str, year: str | int, *, scores: bool = True) -> tuple[YearData, Report]:
    """Read every file of ROOT/YEAR. Raises YearFolderMissing only for a missing folder."""
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

    tables = _read_kind(folder, "communities", report, data)
    _strip_all(tables, report)
    data.communities = _concat(tables, ["community_id", "name", "area"])

    tables = _read_kind(folder, "criteria", report, data)
    _text_columns_all(tables, ["item_id", "category", "name"], report)
    criteria = _concat(tables, ["item_id", "category", "name"])
    criteria["max_points"] = _number_column(tables, "max_points", report, "max-points-not-number")
    data.criteria = criteria

    tables = _read_kind(folder, "roster", report, data, required_file=False)
    if tables:
        _text_columns_all(
            tables,
            ["community_id", "resident_id", "name", "household", "compound", "eligible"],
            report,
        )
        roster = _concat(
            tables, ["community_id", "resident_id", "name", "household", "compound", "eligible"]
        )
        _parse_bool(roster, "eligible", tables, report)
        data.roster = roster

    tables = _read_kind(folder, "reps", report, data, required_file=False)
    if tables:
        _text_columns_all(tables, ["community_id", "order", "resident_id", "name", "role"], report)
        reps = _concat(tables, ["community_id", "order", "resident_id", "name", "role"])
        roles = reps["role"].map(lambda r: ROLE_ALIASES.get(header_key(r)))
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

    tables = _read_kind(folder, "flags", report, data, required_file=False)
    _text_columns_all(tables, ["community_id", "flag", "date", "note"], report)
    data.flags = _concat(tables, ["community_id", "flag", "date", "note"])

    if scores:
        data.scores = _load_sheets(folder, data, report)
    return data, report


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
        and path.suffix.lower() in CSV_SUFFIXES | EXCEL_SUFFIXES
    )


def item_header_keys(criteria: pd.DataFrame) -> dict[str, str]:
    """header key -> item id, for item columns named by id, by name, or by both."""
    keys: dict[str, str] = {}
    names = criteria["name"].astype(str)
    duplicated_names = set(names[names.duplicated(keep=False)])
    for item_id, name in zip(criteria["item_id"], names, strict=True):
        if not item_id:
            continue
        keys.setdefault(header_key(item_id), item_id)
        if name and name not in duplicated_names:
            keys.setdefault(header_key(name), item_id)
            keys.setdefault(header_key(f"{item_id}{name}"), item_id)
    return keys


def _load_sheets(folder: Path, data: YearData, report: Report) -> pd.DataFrame:
    import pandas as pd

    item_ids = [i for i in data.item_ids if i]
    item_keys = item_header_keys(data.criteria) if len(data.criteria) else {}
    meta = ["community_id", "group", "rater_id", "rater_name", "date"]
    frames: list[pd.DataFrame] = []
    for path in sheet_files(folder):
        display = str(path.relative_to(folder))
        data.input_files.append(path)
        grids = read_grids(path, display, report)
        for table in _tables(grids, "sheets", report, data, True, item_keys):
            frames.append(_score_frame(table, item_ids, meta, data, report))
    if not frames:
        columns = {c: pd.Series(dtype=object) for c in [*meta, *META_COLUMNS]}
        columns.update({i: pd.Series(dtype=float) for i in item_ids})
        return pd.DataFrame(columns)
    scores = pd.concat(frames, ignore_index=True)
    return scores


def _score_frame(
    table: Table, item_ids: list[str], meta: list[str], data: YearData, report: Report
) -> pd.DataFrame:
    import pandas as pd

    frame = table.frame
    items_here = [c for c in frame.columns if c in item_ids]
    letters = {c: table.headers[c] for c in frame.columns if c in table.headers}
    data.sheets[(table.file, table.sheet)] = SheetInfo(
        file=table.file,
        sheet=table.sheet,
        header_row=table.header_row,
        items={c: letters[c] for c in items_here},
        columns={c: letters[c] for c in meta if c in letters},
    )
    from starcommunity.problems import excel_column_letter

    # Without criteria every item column would be "unknown"; missing-file already says why.
    extras = table.extras if item_ids else {}
    for index, header in extras.items():
        if header_key(header) in TOTAL_COLUMN_KEYS:
            continue
        report.add(
            "unknown-item",
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
            report.add(
                "missing-item-column",
                file=table.file,
                sheet=table.sheet,
                row=table.header_row,
                column=item_id,
                value=item_id,
            )
    _text_columns(table, [c for c in meta if c != "date"], report)
    result = pd.DataFrame({c: (frame.get(c, "")) for c in meta if c != "date"}, index=frame.index)
    result["date"] = _parse_dates(frame["date"]) if "date" in frame else None
    groups = result["group"].map(lambda g: GROUP_ALIASES.get(header_key(g)))
    for position in groups[groups.isna()].index[:1000]:
        report.add(
            "unknown-group",
            file=table.file,
            sheet=table.sheet,
            row=int(frame.at[position, "_row"]),
            column=table.column_label("group"),
            value=result.at[position, "group"],
        )
    result["group"] = groups.fillna(result["group"])
    for item_id in item_ids:
        if item_id not in items_here:
            result[item_id] = float("nan")
            continue
        values, blank, not_a_number, repaired = parse_numbers(frame[item_id], table.from_excel)
        label = table.column_label(item_id)
        for code, mask in (("score-blank", blank), ("score-not-number", not_a_number)):
            for position in mask[mask].index[:5000]:
                report.add(
                    code,
                    file=table.file,
                    sheet=table.sheet,
                    row=int(frame.at[position, "_row"]),
                    column=label,
                    value=cell_text(frame.at[position, item_id]),
                    item=item_id,
                )
            if int(mask.sum()) > 5000:
                report.add(
                    "too-many-problems",
                    file=table.file,
                    sheet=table.sheet,
                    column=label,
                    value=int(mask.sum()),
                    shown=5000,
                )
        _report_repaired(table, item_id, repaired, report)
        result[item_id] = values
    result["_file"] = table.file
    result["_sheet"] = table.sheet
    result["_row"] = frame["_row"].astype(int)
    return result


def _parse_dates(raw: pd.Series) -> pd.Series:
    """Excel dates, ISO text, 2008/12/1 and 2008年12月1日 all become ISO date strings."""
    import pandas as pd

    text = raw.map(lambda v: v.isoformat()[:10] if hasattr(v, "isoformat") else cell_text(v))
    text = (
        text.str.replace("年", "-", regex=False)
        .str.replace("月", "-", regex=False)
        .str.replace("日", "", regex=False)
        .str.replace("/", "-", regex=False)
        .str.replace(".", "-", regex=False)
    )
    parsed = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
    iso = parsed.dt.strftime("%Y-%m-%d")
    return iso.where(parsed.notna(), text.where(text.ne(""), None)).astype(object)
