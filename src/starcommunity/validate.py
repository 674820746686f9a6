"""Cross-file checks on a loaded year: every problem collected, none raised.

Each check works column-wise (joins for membership, groupby for counts); Python
only loops over the rows that already have a problem, to describe them.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from starcommunity.io.headers import header_key
from starcommunity.io.tables import distinct_values
from starcommunity.model import FLAGS, GROUPS
from starcommunity.problems import Problem, Report, Severity

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from starcommunity.io.year import YearData

T = TypeVar("T")
# validate_while forks between these many rows (scores, roster and reps together): below,
# a fork costs more than it saves (a district: 30 ms more); above, the child's own
# temporaries on top of a nation-sized year would pass the memory budget.
VALIDATE_BESIDE_MIN_ROWS = 50_000
VALIDATE_BESIDE_MAX_ROWS = 2_000_000

# Listing a million identical problems helps no one; the count is kept.
MAX_LISTED_PER_CHECK = 5000
MODIFIED_Z_LIMIT = 3.5
# An ID of digits that lost its leading zeros in Excel is looked for with up to this
# many digits in all (Excel keeps 15 significant digits of a number).
ID_WIDTH_WITH_ZEROS = 20
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def flag_code(text: str) -> str | None:
    """A flag as written (code or the document's wording) -> its code."""
    key = header_key(text)
    for code, wording in FLAGS.items():
        if key in (header_key(code), header_key(wording)):
            return code
    # The document's quotes around 法轮功 come in many shapes.
    stripped = key.translate(str.maketrans("", "", "\"'“”「」‘’"))
    for code, wording in FLAGS.items():
        if stripped == header_key(wording).translate(str.maketrans("", "", "\"'“”「」‘’")):
            return code
    return None


def _rows(mask: pd.Series) -> list[int]:
    """Index labels of the first rows where mask holds (at most MAX_LISTED_PER_CHECK)."""
    import numpy as np

    positions = np.flatnonzero(mask.to_numpy(dtype=bool))[:MAX_LISTED_PER_CHECK]
    return list(mask.index[positions])


# While validate_year runs: (frame id, column) -> (frame, mask), as several checks ask
# the same column (the frame is kept so its id cannot be reused meanwhile).
_FILLED: dict[tuple[int, str], tuple[pd.DataFrame, pd.Series]] | None = None
# ... and (frame id, column) -> (frame, the column's values), where the problems found
# look up their cells: DataFrame.at takes 8 us a cell, an array 0.3 us.
_VALUES: dict[tuple[int, str], tuple[pd.DataFrame, np.ndarray]] | None = None


@contextlib.contextmanager
def _caching() -> Iterator[None]:
    """_FILLED and _VALUES for the checks run inside (once, if nested)."""
    global _FILLED, _VALUES
    if _FILLED is not None:
        yield
        return
    _FILLED, _VALUES = {}, {}
    try:
        yield
    finally:
        _FILLED = _VALUES = None


def _cell(frame: pd.DataFrame, label: object, column: str) -> Any:
    """frame.at[label, column] (its index is unique), from the column's array."""
    if _VALUES is None:
        values = frame[column].to_numpy()
    else:
        key = (id(frame), column)
        if key not in _VALUES:
            _VALUES[key] = (frame, frame[column].to_numpy())
        values = _VALUES[key][1]
    return values[frame.index.get_loc(label)]


def _filled(frame: pd.DataFrame, column: str) -> pd.Series:
    """nonblank(frame[column]), worked out once per column during a validate_year."""
    if _FILLED is None:
        return nonblank(frame[column])
    key = (id(frame), column)
    if key not in _FILLED:
        _FILLED[key] = (frame, nonblank(frame[column]))
    return _FILLED[key][1]


def nonblank(values: pd.Series) -> pd.Series:
    """values.astype(str).str.strip().ne(""), without making the stripped copies."""
    import numpy as np
    import pandas as pd
    from pandas.api.types import infer_dtype

    cells = values.to_numpy(dtype=object)
    if infer_dtype(cells, skipna=False) in ("string", "empty"):
        # blank after strip() <=> empty or white space only (io.tables.blank_cells says
        # the same of text, with two more passes: over 6 million IDs, 0.4 s more)
        spaces = np.fromiter(map(str.isspace, cells), dtype=bool, count=len(cells))
        return pd.Series((cells != "") & ~spaces, index=values.index)
    else:  # NaN and None read as 'nan' / 'None': not blank, as str() has them
        filled = [str(value).strip() != "" for value in cells]
    return pd.Series(np.array(filled, dtype=bool), index=values.index)


def _at(frame: pd.DataFrame, position: object) -> dict[str, object]:
    return {
        "file": _cell(frame, position, "_file"),
        "sheet": _cell(frame, position, "_sheet"),
        "row": int(_cell(frame, position, "_row")),
    }


def _zeros_key(value: object) -> str | None:
    """A known ID of digits alone without its leading zeros ('0053' -> '53'), else None.

    Excel stores 0053 typed into a General cell as the number 53 (and shows it as 0053
    under a '0000' format), which is read as '53'.
    """
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return None
    return value.lstrip("0") or "0"


def _zeros_lost(value: object) -> str | None:
    """A value that may be an ID whose leading zeros Excel dropped: all digits and none
    leading ('53', not '053': 0053 typed as 053 is another mistake), else None."""
    key = _zeros_key(value)
    return key if key == value else None


def _unique_by(
    known: Iterable[tuple[Any, Any]], key: Callable[[Any], str | None]
) -> dict[tuple[Any, str], Any]:
    """(scope, key) -> the one known ID of that scope with that key (None where two
    distinct IDs share it), from (scope, ID) pairs."""
    lookup: dict[tuple[Any, str], Any] = {}
    for scope, value in known:
        k = key(value)
        if k is not None:
            at = (scope, k)
            lookup[at] = value if lookup.get(at, value) == value else None
    return lookup


class _NearIds:
    """Which known ID an unknown value was likely meant to be, when exactly one is.

    A value of digits alone that is a known ID of digits without its leading zeros (as
    Excel drops them), or a value that is a known ID in another case or spacing
    (header_key: case, spaces, hyphens, full-width forms). The hint only names it: the
    value stays an error, as a guess could change a result.

    `scopes`, when given, holds one scope per known ID (the community of a drawn
    resident): an ID is then only named for a value of the same scope, since a
    resident of another community would be no better a guess than none.
    """

    def __init__(self, known: Iterable[Any], scopes: Iterable[Any] | None = None) -> None:
        pairs = (
            zip(scopes, known, strict=True) if scopes is not None else ((None, v) for v in known)
        )
        unique = [(scope, v) for scope, v in dict.fromkeys(pairs) if isinstance(v, str)]
        self.zeros = _unique_by(unique, _zeros_key)
        self.spelling = _unique_by(unique, header_key)

    def params(self, value: Any, scope: Any = None) -> dict[str, str]:
        if not isinstance(value, str):
            return {}
        key = _zeros_lost(value)
        near = self.zeros.get((scope, key)) if key is not None else None
        if near is not None and near != value:
            return {"suggest": near, "suggest_why": "zeros"}
        near = self.spelling.get((scope, header_key(value)))
        if near is not None and near != value:
            return {"suggest": near, "suggest_why": "spelling"}
        return {}


def check_blank(frame: pd.DataFrame, columns: list[str], report: Report) -> None:
    for column in columns:
        blank = ~_filled(frame, column)
        for position in _rows(blank):
            report.add("blank-value", column=column, **_at(frame, position))


def check_duplicates(
    frame: pd.DataFrame,
    keys: list[str],
    column: str,
    code: str,
    report: Report,
    *,
    codes: np.ndarray | None = None,
    repeated: np.ndarray | None = None,
    severity: Severity = "error",
    **params: str,
) -> None:
    """Rows whose keys repeat an earlier row; each names the first row.

    `codes`, when given, is one integer per row standing for its keys (see _IdCodes):
    the same answer as comparing the keys, without hashing text again; `repeated`,
    whether each row's code repeats an earlier one, when already known.
    """
    import pandas as pd

    filled = _filled(frame, column)
    if repeated is not None:
        duplicated = pd.Series(repeated, index=frame.index) & filled
    elif codes is None:
        duplicated = frame.duplicated(keys, keep="first") & filled
    else:
        duplicated = pd.Series(codes, index=frame.index).duplicated(keep="first") & filled
    if not duplicated.any():
        return
    places = [c for c in ("_row", "_file", "_sheet") if c in frame]
    first_rows = frame[filled].drop_duplicates(keys).set_index(keys)[places]
    for position in _rows(duplicated):
        key = tuple(_cell(frame, position, k) for k in keys)
        first = first_rows.loc[key if len(keys) > 1 else key[0]]
        extra = {name: _cell(frame, position, source) for name, source in params.items()}
        at = _at(frame, position)
        # a first copy in another sheet or file (a hidden sheet, a copy in a sub-folder)
        # is named: 'also row 3' alone would point at this sheet's own row 3
        first_file = first.get("_file", at["file"])
        first_sheet = first.get("_sheet", at["sheet"])
        if (first_file, first_sheet) != (at["file"], at["sheet"]):
            extra.update(first_file=first_file, first_sheet=first_sheet)
        report.add(
            code,
            severity=severity,
            column=column,
            value=_cell(frame, position, column),
            first=int(first["_row"]),
            **extra,
            **at,
        )


def check_membership(
    frame: pd.DataFrame,
    column: str,
    known: pd.Series,
    code: str,
    report: Report,
    *,
    codes: tuple[np.ndarray, np.ndarray, int] | None = None,
    suggest: bool = False,
) -> pd.Series:
    """Rows whose value is not among the known ones; returns the mask.

    An empty list of known values means its file is missing or unreadable, which is
    reported once already; listing every row again would bury that one error.
    suggest=True names the known ID a reported value was likely meant to be (see
    _NearIds), looked up in tables built once, and only when a row is reported.
    """
    if codes is None:
        unknown = ~frame[column].isin(known) & _filled(frame, column)
    else:  # (codes of the column, codes of the known values, number of codes)
        import numpy as np
        import pandas as pd

        present = np.zeros(codes[2], dtype=bool)
        present[codes[1]] = True
        unknown = pd.Series(~present[codes[0]], index=frame.index) & _filled(frame, column)
    if len(known) == 0:
        unknown &= False
    positions = _rows(unknown)
    near = _NearIds(known) if suggest and positions else None
    for position in positions:
        value = _cell(frame, position, column)
        hint = near.params(value) if near is not None else {}
        report.add(code, column=column, value=value, **hint, **_at(frame, position))
    return unknown


class _IdCodes:
    """Integer codes for the IDs of a year, one code space per kind of ID.

    Community IDs (communities, roster, reps, flags, score sheets) and person IDs
    (roster residents, reps, raters) are each factorised once over every file together;
    duplicates, membership and the reps/roster and raters/reps joins then compare
    integers instead of hashing millions of strings once per check. Equal text gets
    equal codes (NaN one code of its own), so every answer is the one the text gives.
    """

    def __init__(self, data: YearData) -> None:
        self.data = data
        frames = {
            "communities": data.communities,
            "roster": data.roster,
            "reps": data.reps,
            "flags": data.flags,
            "scores": data.scores,
        }
        self.community, self.communities = self._encode(
            {name: f["community_id"] for name, f in frames.items() if _has(f, "community_id")},
            few=True,
        )
        people = {
            "roster": (data.roster, "resident_id"),
            "reps": (data.reps, "resident_id"),
            "scores": (data.scores, "rater_id"),
        }
        self.person, self.people = self._encode(
            {name: f[column] for name, (f, column) in people.items() if _has(f, column)}
        )

    @staticmethod
    def _encode(
        columns: dict[str, pd.Series], few: bool = False
    ) -> tuple[dict[str, np.ndarray], int]:
        """`few`: the values repeat (a few thousand community IDs over millions of rows,
        the reader sharing one string object per value), where pandas' own factorize is
        twice as fast as going through the hashes."""
        import numpy as np
        import pandas as pd

        if not columns:
            return {}, 0
        arrays = [column.to_numpy(dtype=object) for column in columns.values()]
        joined = np.concatenate(arrays)
        if few:
            codes, uniques = pd.factorize(joined, use_na_sentinel=False)
            count = len(uniques)
        else:
            codes, count = _factorize_text(joined)
        out, start = {}, 0
        for name, array in zip(columns, arrays, strict=True):
            out[name] = codes[start : start + len(array)].astype(np.int64)
            start += len(array)
        return out, count

    def pair(self, name: str) -> np.ndarray:
        """(community, person) as one integer per row of roster, reps or scores."""
        return self.community[name] * max(self.people, 1) + self.person[name]

    @functools.cached_property
    def groups(self) -> np.ndarray:
        """Each score row's group as its place in GROUPS, -1 for another (or none).
        Several checks ask; comparing 4 million cells of text takes 0.12 s a time."""
        return group_codes(self.data.scores["group"])

    @functools.cached_property
    def raters(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The score rows of a known group; (community, group, rater) of each as one
        integer; and whether it repeats an earlier row's (duplicate-rater, and what
        rater counts leave out)."""
        import pandas as pd

        rows = self.groups >= 0
        triples = self.pair("scores")[rows] * len(GROUPS) + self.groups[rows]
        return rows, triples, pd.Series(triples).duplicated(keep="first").to_numpy()

    def membership(self, name: str) -> tuple[np.ndarray, np.ndarray, int]:
        return self.community[name], self.community["communities"], self.communities


def group_codes(groups: pd.Series) -> np.ndarray:
    """Each cell's place in GROUPS (as compared by ==), -1 for any other value."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(groups, use_na_sentinel=True)
    places = np.array([GROUPS.index(g) if g in GROUPS else -1 for g in uniques] + [-1])
    return places[codes].astype(np.int64)


def _factorize_text(values: np.ndarray) -> tuple[np.ndarray, int]:
    """pd.factorize(values, use_na_sentinel=False) for a column of text, faster.

    Millions of distinct IDs make hashing Python strings in pandas slow; their hashes
    (which Python keeps in each string) are factorised as integers instead. Equal text
    has equal hashes; that no two different values share one is then checked, value by
    value against the first value of its code, and any doubt (a collision, a NaN, a
    value without a hash) falls back to factorising the values themselves.
    """
    import numpy as np
    import pandas as pd

    try:
        hashes = np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
    except TypeError:
        hashes = None
    if hashes is not None:
        codes, uniques = pd.factorize(hashes)
        first = np.empty(len(uniques), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(values) - 1, -1, -1)
        if bool((values[first[codes]] == values).all()):
            return codes, len(uniques)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, len(uniques)


def _has(frame: pd.DataFrame | None, column: str) -> bool:
    return frame is not None and column in frame


def validate_year(data: YearData, report: Report | None = None, *, quality: bool = True) -> Report:
    """Check a loaded year; the reader's problems come first when a report is passed.

    quality=False leaves out the last check, check_rater_quality.
    """
    report = report if report is not None else Report()
    found_before = len(report.problems)
    with _caching():
        _validate_year(data, report, quality)
    _name_columns_as_written(data, report, found_before)
    return report


def _name_columns_as_written(data: YearData, report: Report, start: int) -> None:
    """The checks name a column as the tool does (community_id); the clerk looks for
    the header in the file (社区编号 (A)), as the reader's own problems give it."""
    from dataclasses import replace

    for position in range(start, len(report.problems)):
        problem = report.problems[position]
        headers = data.headers.get((problem.file, problem.sheet))
        if headers is None:
            info = data.sheets.get((problem.file, problem.sheet))  # type: ignore[arg-type]
            headers = {**info.columns, **info.items} if info is not None else {}
        if problem.column in headers:
            header, letter = headers[problem.column]
            report.problems[position] = replace(problem, column=f"{header} ({letter})")


def validate_while(data: YearData, report: Report, work: Callable[[], T]) -> T | None:
    """validate_year(data, report) while work() runs: work's result, None if it raised.

    `rank` validates, then scores; on a 2-core Linux machine the validation runs in a
    forked child (only its problems come back, through a pipe) while this process
    scores. A year that does not validate may well break the scoring, so there an
    exception from work() is kept back (None): the caller looks at the report first,
    and calls work() again when it needs the result (then the exception is raised, as
    it would have been). Without fork, or for a year too small to gain or too large to
    hold twice, validation comes first and work() runs only when the year has no
    error (None otherwise).
    """
    from starcommunity.io import forked

    rows = sum(len(frame) for frame in (data.scores, data.roster, data.reps) if frame is not None)
    job = None
    if VALIDATE_BESIDE_MIN_ROWS <= rows <= VALIDATE_BESIDE_MAX_ROWS and forked.can_fork():
        # the child checks all but the raters' quality (the last check), which this
        # process does after work(): the longer half of each side's work
        job = forked.start(lambda send: send.part(validate_year(data, quality=False).problems))
    if job is None:
        validate_year(data, report)
        return work() if report.valid else None
    quality = Report()
    try:
        try:
            result: T | None = work()
        except Exception:
            result = None
        check_rater_quality(data, quality)
    except BaseException:
        job.cancel()
        raise
    parts = job.collect()
    if parts is None:  # the child failed: validate here, where its error will show
        validate_year(data, report)
        return result
    report.problems.extend(parts[0])
    report.problems.extend(quality.problems)
    return result


def _validate_year(data: YearData, report: Report, quality: bool = True) -> Report:
    ids = _IdCodes(data)
    communities = data.communities
    if len(communities) == 0 and data.paths.get("communities"):
        report.add("no-communities", file=data.paths["communities"].name)
    check_blank(communities, ["community_id", "name", "area"], report)
    check_duplicates(communities, ["community_id"], "community_id", "duplicate-community", report)

    _check_criteria(data, report)

    if data.people_checked is not None:  # checked where they were read (load_year)
        report.problems.extend(data.people_checked)
    else:
        _check_people(data, report, ids)
    _check_flags(data, report)
    _check_scores(data, report, ids, quality)
    return report


def check_people(data: YearData) -> list[Problem]:
    """The checks of validate_year that look at the roster and the representatives
    alone (and the communities), for load_year to run where it reads them: then only
    their problems need to come back, not the roster (see YearData.people_checked)."""
    report = Report()
    with _caching():
        _check_people(data, report, _IdCodes(data))
    return report.problems


def _check_people(data: YearData, report: Report, ids: _IdCodes) -> None:
    if data.roster is not None:
        roster = data.roster
        check_blank(roster, ["community_id", "resident_id"], report)
        check_membership(
            roster,
            "community_id",
            data.communities["community_id"],
            "unknown-community",
            report,
            suggest=True,
            codes=ids.membership("roster"),
        )
        check_duplicates(
            roster,
            ["community_id", "resident_id"],
            "resident_id",
            "duplicate-resident",
            report,
            codes=ids.pair("roster"),
            community="community_id",
        )
    if data.reps is not None:
        _check_reps(data, report, ids)


def _check_criteria(data: YearData, report: Report) -> None:
    criteria = data.criteria
    if len(criteria) == 0:
        if data.paths.get("criteria"):
            report.add("no-criteria", file=data.paths["criteria"].name)
        return
    check_blank(criteria, ["item_id", "name"], report)
    check_duplicates(criteria, ["item_id"], "item_id", "duplicate-item", report)
    # Two items of one name (as a header compares them: 'A 1' is 'a1'): a score column
    # headed by that name fits neither.
    named = _filled(criteria, "name")
    keys = criteria["name"].map(header_key)
    for position in _rows(keys.duplicated(keep="first") & named):
        name = _cell(criteria, position, "name")
        first = criteria[named & keys.eq(keys.at[position])].index[0]
        report.warn(
            "duplicate-item-name",
            column="name",
            value=name,
            first=int(_cell(criteria, first, "_row")),
            item=_cell(criteria, position, "item_id"),
            other=_cell(criteria, first, "item_id"),
            **_at(criteria, position),
        )
    not_positive = criteria["max_points"].le(0)
    for position in _rows(not_positive):
        report.add(
            "max-points-not-positive",
            column="max_points",
            value=float(_cell(criteria, position, "max_points")),
            **_at(criteria, position),
        )
    total = float(criteria["max_points"].sum())
    if criteria["max_points"].notna().all() and abs(total - 100) > 1e-9:
        report.warn(
            "criteria-total-not-100",
            file=str(criteria["_file"].iloc[0]),
            column="max_points",
            value=total,
        )


def _check_reps(data: YearData, report: Report, ids: _IdCodes) -> None:
    import pandas as pd

    reps = data.reps
    assert reps is not None
    check_blank(reps, ["community_id", "resident_id"], report)
    check_membership(
        reps,
        "community_id",
        data.communities["community_id"],
        "unknown-community",
        report,
        suggest=True,
        codes=ids.membership("reps"),
    )
    check_duplicates(
        reps,
        ["community_id", "resident_id"],
        "resident_id",
        "duplicate-rep",
        report,
        codes=ids.pair("reps"),
        community="community_id",
    )
    if data.roster is not None:
        # (community, resident) of each rep among the roster's
        known = pd.Series(ids.pair("reps"), index=reps.index).isin(ids.pair("roster"))
        positions = _rows(~known)
        reported = [
            (_cell(reps, p, "community_id"), _cell(reps, p, "resident_id")) for p in positions
        ]
        near = _ids_by_zeros(data.roster, "resident_id", reported)
        for position, (community, resident) in zip(positions, reported, strict=True):
            report.add(
                "rep-not-in-roster",
                column="resident_id",
                value=resident,
                community=community,
                **_zeros_hint(near, community, resident),
                **_at(reps, position),
            )


def _check_flags(data: YearData, report: Report) -> None:
    flags = data.flags
    if len(flags) == 0:
        flags["flag_code"] = []
        return
    check_blank(flags, ["community_id", "flag"], report)
    check_membership(
        flags,
        "community_id",
        data.communities["community_id"],
        "unknown-community",
        report,
        suggest=True,
    )
    codes = flags["flag"].map(flag_code)
    unknown = codes.isna() & nonblank(flags["flag"])
    for position in _rows(unknown):
        report.add(
            "unknown-flag",
            column="flag",
            value=_cell(flags, position, "flag"),
            **_at(flags, position),
        )
    flags["flag_code"] = codes
    # one event written twice (a row pasted twice, or once as the code and once in the
    # document's words) disqualifies once: said, so the clerk can tidy the file
    check_duplicates(
        flags[codes.notna()],
        ["community_id", "flag_code"],
        "flag",
        "duplicate-flag",
        report,
        severity="warning",
        community="community_id",
    )
    if "date" in flags:
        from starcommunity.io.year import _parse_dates

        dates = _parse_dates(flags["date"])
        iso = dates.astype(str).str.match(r"^\d{4}-\d{2}-\d{2}$")
        bad = dates.notna() & ~iso
        for position in _rows(bad):
            report.warn(
                "bad-date",
                column="date",
                value=_cell(flags, position, "date"),
                **_at(flags, position),
            )
        if data.year.isdecimal():
            # last year's flags copied into this year's file would disqualify again
            other_year = iso & dates.notna() & ~dates.astype(str).str.startswith(f"{data.year}-")
            for position in _rows(other_year):
                report.warn(
                    "flag-other-year",
                    column="date",
                    value=dates.at[position],
                    year=data.year,
                    community=_cell(flags, position, "community_id"),
                    **_at(flags, position),
                )


def _items_and_maxima(data: YearData) -> tuple[list[str], pd.Series]:
    """The item columns the score frame has, and each item's maximum."""
    items = [i for i in data.item_ids if i in data.scores.columns]
    maxima = data.criteria.drop_duplicates("item_id").set_index("item_id")["max_points"]
    return items, maxima


def check_rater_quality(data: YearData, report: Report) -> None:
    """The last check of validate_year alone (validate_year(quality=False) is the rest)."""
    found_before = len(report.problems)
    if len(data.scores):
        with _caching():
            _check_rater_quality(data, report, *_items_and_maxima(data))
    _name_columns_as_written(data, report, found_before)


def _check_scores(
    data: YearData, report: Report, ids: _IdCodes | None = None, quality: bool = True
) -> None:
    import numpy as np

    scores = data.scores
    if len(scores) == 0:
        if data.paths.get("communities"):
            report.warn("no-score-sheets", file="sheets/")
        return
    items, maxima = _items_and_maxima(data)
    names = data.criteria.drop_duplicates("item_id").set_index("item_id")["name"]

    # Range: one vectorised comparison per item column.
    for item in items:
        values = scores[item]
        maximum = float(maxima.get(item, np.nan))
        checks = [("score-below-zero", values.lt(0))]
        if maximum == maximum:  # an item without a numeric maximum is reported elsewhere
            checks.append(("score-above-max", values.gt(maximum)))
        for code, mask in checks:
            for position in _rows(mask):
                report.add(
                    code,
                    column=item,
                    value=float(values.at[position]),
                    max=maximum,
                    name=names.get(item, item),
                    item=item,
                    **_at(scores, position),
                )

    ids = ids if ids is not None else _IdCodes(data)
    check_blank(scores, ["community_id", "rater_id"], report)
    check_membership(
        scores,
        "community_id",
        data.communities["community_id"],
        "unknown-community",
        report,
        suggest=True,
        codes=ids.membership("scores"),
    )
    rows, _triples, repeated = ids.raters
    check_duplicates(
        scores if rows.all() else scores[rows],
        ["community_id", "group", "rater_id"],
        "rater_id",
        "duplicate-rater",
        report,
        repeated=repeated,
        community="community_id",
        group="group",
    )
    _check_residents_drawn(data, report, ids)
    _check_rater_counts(data, report, ids)
    _check_dates(data, report, ids)
    if quality:
        _check_rater_quality(data, report, items, maxima, ids)


def _check_residents_drawn(data: YearData, report: Report, ids: _IdCodes) -> None:
    import pandas as pd

    scores = data.scores
    residents = pd.Series(ids.groups == GROUPS.index("residents"), index=scores.index)
    if not residents.any():
        return
    if data.reps is None:
        report.add("missing-file", file="reps.csv", kind="reps")
        return
    # (community, rater) of each resident row among the (community, resident) of reps
    rows = residents.to_numpy()
    drawn = pd.Series(ids.pair("scores")[rows]).isin(ids.pair("reps"))
    not_drawn = ~drawn.to_numpy()
    positions = scores.index[residents][not_drawn][:MAX_LISTED_PER_CHECK]
    reported = [(_cell(scores, p, "community_id"), _cell(scores, p, "rater_id")) for p in positions]
    # Only the reps of the communities with a reported rater (a few dozen each, where a
    # roster holds thousands) are keyed in Python, by zeros and by spelling alike.
    reps = data.reps
    mine = reps["community_id"].isin({community for community, _ in reported}).to_numpy()
    near = _NearIds(reps["resident_id"].to_numpy()[mine], reps["community_id"].to_numpy()[mine])
    for position, (community, rater) in zip(positions, reported, strict=True):
        report.add(
            "rater-not-drawn",
            column="rater_id",
            value=rater,
            community=community,
            **near.params(rater, community),
            **_at(scores, position),
        )


def _ids_by_zeros(
    frame: pd.DataFrame, column: str, reported: list[tuple[Any, Any]]
) -> dict[Any, Any]:
    """(community, ID of digits without its leading zeros) -> that ID of frame[column]
    in that community (a drawn resident in reps, a resident in the roster), None where
    two share the key; for the reported (community, ID) pairs whose ID is digits alone.

    The IDs they may stand for ('053', '0053' ... for '53') are looked for in the
    column at once (one isin, as a roster may hold millions of rows); Python only
    looks at the rows found.
    """
    lost = [(community, value) for community, value in reported if _zeros_lost(value)]
    if not lost:
        return {}
    candidates = {
        "0" * zeros + value
        for _, value in lost
        for zeros in range(1, max(ID_WIDTH_WITH_ZEROS - len(value), 0) + 1)
    }
    found = frame[column].isin(candidates) & frame["community_id"].isin({c for c, _ in lost})
    lookup: dict[Any, Any] = {}
    for community, resident in zip(
        frame["community_id"].to_numpy()[found.to_numpy()],
        frame[column].to_numpy()[found.to_numpy()],
        strict=True,
    ):
        key = (community, _zeros_key(resident))
        lookup[key] = resident if lookup.get(key, resident) == resident else None
    return lookup


def _zeros_hint(near: dict[Any, Any], community: Any, value: Any) -> dict[str, Any]:
    """The hint params for a value whose leading zeros Excel may have dropped."""
    known = near.get((community, _zeros_lost(value))) if near else None
    return {"suggest": known, "suggest_why": "zeros"} if known is not None else {}


def rater_counts(data: YearData, ids: _IdCodes | None = None) -> pd.DataFrame:
    """Distinct raters per community and group, every community x group present (0s too)."""
    import pandas as pd

    scores = data.scores
    if ids is not None and "scores" in ids.community and "communities" in ids.community:
        return _rater_counts_by_code(data, ids)
    counts = (
        scores[scores["group"].isin(GROUPS)]
        .drop_duplicates(["community_id", "group", "rater_id"])
        .groupby(["community_id", "group"])
        .size()
    )
    full = pd.MultiIndex.from_product(
        [data.communities["community_id"].drop_duplicates(), list(GROUPS)],
        names=["community_id", "group"],
    )
    return counts.reindex(full, fill_value=0).rename("raters").reset_index()


def _rater_counts_by_code(data: YearData, ids: _IdCodes) -> pd.DataFrame:
    """rater_counts on the integer codes: distinct (community, person, group) triples."""
    import numpy as np
    import pandas as pd

    _rows_known, triples, repeated = ids.raters
    triples = triples[~repeated]  # each (community, group, rater) once
    people = max(ids.people, 1)
    community = triples // len(GROUPS) // people
    cells = community * len(GROUPS) + triples % len(GROUPS)
    counts = np.bincount(cells, minlength=ids.communities * len(GROUPS))
    counts = counts.reshape(-1, len(GROUPS))
    listed = data.communities["community_id"]
    first = ~listed.duplicated().to_numpy()
    full = pd.MultiIndex.from_product(
        [listed.drop_duplicates(), list(GROUPS)], names=["community_id", "group"]
    )
    values = counts[ids.community["communities"][first]].ravel()
    return pd.Series(values, index=full, name="raters").reset_index()


def _check_rater_counts(data: YearData, report: Report, ids: _IdCodes | None = None) -> None:
    import numpy as np

    counts = rater_counts(data, ids)
    expected = counts["group"].map(data.scheme.raters).fillna(0).astype(int)
    raters = counts["raters"]
    committee = counts["group"].eq("committee")
    missing = raters.eq(0) & expected.gt(0)
    wrong = raters.gt(0) & np.where(committee, raters.lt(expected), raters.ne(expected))
    # Loop only over the community x group pairs with a problem, in their order.
    flagged = np.flatnonzero((missing | wrong).to_numpy())
    sheets = _first_sheets(data.scores, counts.iloc[flagged[wrong.to_numpy()[flagged]]])
    for position in flagged:
        row = counts.iloc[position]
        if missing.iat[position]:
            report.warn(
                "group-missing",
                file="sheets/",
                value=0,
                community=row["community_id"],
                group=row["group"],
            )
            continue
        want = int(expected.iat[position])
        file, sheet = sheets.get((row["community_id"], row["group"]), ("sheets/", None))
        report.add(
            "wrong-rater-count",
            file=file,
            sheet=sheet,
            value=int(row["raters"]),
            expected=f"≥{want}" if row["group"] == "committee" else str(want),
            community=row["community_id"],
            group=row["group"],
        )


def _first_sheets(
    scores: pd.DataFrame, pairs: pd.DataFrame
) -> dict[tuple[object, object], tuple[str, str | None]]:
    """(community, group) -> the file and sheet of its first score row, for pairs that
    have rows: where the clerk looks to count the raters."""
    if not len(pairs):
        return {}
    rows = scores[scores["community_id"].isin(pairs["community_id"])]
    first = rows.drop_duplicates(["community_id", "group"])
    return {
        (community, group): (file, sheet)
        for community, group, file, sheet in zip(
            first["community_id"], first["group"], first["_file"], first["_sheet"], strict=True
        )
    }


def _check_dates(data: YearData, report: Report, ids: _IdCodes) -> None:
    import numpy as np
    import pandas as pd

    scores = data.scores
    if "date" not in scores:
        return
    dates = scores["date"].astype(object)
    # Once per distinct date: present (not blank), ISO, and the text compared.
    codes, uniques = distinct_values(dates)
    texts = [str(u) for u in uniques]
    present_u = np.array([t.strip() != "" for t in texts] + [False])
    iso_u = np.array([ISO_DATE.match(t) is not None for t in texts] + [False])
    text_u = np.array([*texts, "nan"], dtype=object)
    present = pd.Series(present_u[codes], index=scores.index)
    iso = pd.Series(iso_u[codes], index=scores.index)
    for position in _rows(present & ~iso):
        report.warn(
            "bad-date",
            column="date",
            value=dates.at[position],
            **_at(scores, position),
        )
    for group, (start, end) in data.scheme.timeline.items():
        outside_u = np.array([t < start or t > end for t in text_u], dtype=bool)
        place = GROUPS.index(group) if group in GROUPS else -2  # -2: no row's
        outside = present & iso & pd.Series(ids.groups == place, index=scores.index)
        outside &= pd.Series(outside_u[codes], index=scores.index)
        for position in _rows(outside):
            report.warn(
                "date-outside-window",
                column="date",
                value=dates.at[position],
                group=group,
                start=start,
                end=end,
                **_at(scores, position),
            )


def row_totals(
    scores: pd.DataFrame, items: list[str], maxima: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per score row: full marks on every item; one same score on every item (of two or
    more, not full marks); the total of the items, NaN where one is blank.

    Answered a column at a time: a 2-D array of the items (rows by items) would first
    copy every score across the columns (1.5 s at a nation's size). The total adds
    the items left to right, as pandas' sum along the rows of that array did when no
    score was blank (with one blank it added pairwise: a rounding apart at most).
    """
    import numpy as np
    import pandas as pd

    rows = len(scores)
    complete, full = np.ones(rows, dtype=bool), np.ones(rows, dtype=bool)
    highest, lowest = np.full(rows, -np.inf), np.full(rows, np.inf)
    total = np.zeros(rows)
    tops = maxima.reindex(items).to_numpy(dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # a score of 1e308 is reported
        for item, top in zip(items, tops, strict=True):
            column = scores[item].to_numpy(dtype=float)
            complete &= ~np.isnan(column)
            full &= column == top
            np.maximum(highest, column, out=highest)  # a blank (NaN) stays: not complete
            np.minimum(lowest, column, out=lowest)
            total += column
    full &= complete
    # one distinct score: the largest equals the smallest
    same = (highest == lowest) & complete & ~full & (len(items) > 1)
    index = scores.index
    return (
        pd.Series(full, index=index),
        pd.Series(same, index=index),
        pd.Series(np.where(complete, total, np.nan), index=index),
    )


def _check_rater_quality(
    data: YearData,
    report: Report,
    items: list[str],
    maxima: pd.Series,
    ids: _IdCodes | None = None,
) -> None:
    """Straight-lining and outlying totals: warnings for the office to look at."""
    import numpy as np
    import pandas as pd

    scores = data.scores
    if not items or len(scores) == 0:
        return
    full, same, totals = row_totals(scores, items, maxima)
    for kind, mask in (("full marks", full), ("the same score", same)):
        for position in _rows(mask):
            if kind != "full marks":
                kind = f"the same score ({float(_cell(scores, position, items[0])):g})"
            report.warn(
                "straight-lining",
                value=_cell(scores, position, "rater_id"),
                kind=kind,
                **_at(scores, position),
            )
    frame = scores[["community_id", "group"]].assign(total=totals)
    if ids is not None and "scores" in ids.community:
        # one float key per (community, group): grouping by it groups as the text does
        group_codes, groups = pd.factorize(frame["group"], use_na_sentinel=True)
        key = ids.community["scores"] * (len(groups) + 1) + group_codes
        missing = (group_codes < 0) | frame["community_id"].isna().to_numpy()
        keys: Any = pd.Series(np.where(missing, np.nan, key.astype(float)), index=frame.index)
    else:
        keys = [frame["community_id"], frame["group"]]
    median = frame.groupby(keys)["total"].transform("median")
    mad = (frame["total"] - median).abs().groupby(keys).transform("median")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 0.6745 * (frame["total"] - median) / mad
    outlier = z.abs().gt(MODIFIED_Z_LIMIT) & mad.gt(0)
    for position in _rows(outlier):
        report.warn(
            "outlier-rater",
            value=_cell(scores, position, "rater_id"),
            total=round(float(totals.at[position]), 2),
            z=round(float(z.at[position]), 1),
            group=_cell(scores, position, "group"),
            community=_cell(scores, position, "community_id"),
            **_at(scores, position),
        )
