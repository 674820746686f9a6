"""Cross-file checks on a loaded year: every problem collected, none raised.

Each check works column-wise (joins for membership, groupby for counts); Python
only loops over the rows that already have a problem, to describe them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from starcommunity.io.headers import header_key
from starcommunity.io.tables import distinct_values
from starcommunity.model import FLAGS, GROUPS
from starcommunity.problems import Report

if TYPE_CHECKING:
    import pandas as pd

    from starcommunity.io.year import YearData

# Listing a million identical problems helps no one; the count is kept.
MAX_LISTED_PER_CHECK = 5000
MODIFIED_Z_LIMIT = 3.5
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


def nonblank(values: pd.Series) -> pd.Series:
    """values.astype(str).str.strip().ne(""), worked out once per distinct value."""
    import numpy as np
    import pandas as pd

    codes, uniques = distinct_values(values)
    # NaN and None read as 'nan' / 'None': not blank, as str() has them.
    filled = np.array([str(u).strip() != "" for u in uniques] + [True], dtype=bool)
    return pd.Series(filled[codes], index=values.index)


def _label(data: YearData, frame: pd.DataFrame, position: int, column: str) -> str:
    """'社区编号 (A)' for a score-sheet row, else the canonical column name."""
    info = data.sheets.get((frame.at[position, "_file"], frame.at[position, "_sheet"]))
    if info is not None:
        where = info.items.get(column) or info.columns.get(column)
        if where:
            return f"{where[0]} ({where[1]})"
    return column


def _at(frame: pd.DataFrame, position: int) -> dict[str, object]:
    return {
        "file": frame.at[position, "_file"],
        "sheet": frame.at[position, "_sheet"],
        "row": int(frame.at[position, "_row"]),
    }


def check_blank(frame: pd.DataFrame, columns: list[str], report: Report) -> None:
    for column in columns:
        blank = ~nonblank(frame[column])
        for position in _rows(blank):
            report.add("blank-value", column=column, **_at(frame, position))


def check_duplicates(
    frame: pd.DataFrame, keys: list[str], column: str, code: str, report: Report, **params: str
) -> None:
    """Rows whose keys repeat an earlier row; each names the first row."""
    filled = nonblank(frame[column])
    duplicated = frame.duplicated(keys, keep="first") & filled
    if not duplicated.any():
        return
    first_rows = frame[filled].drop_duplicates(keys).set_index(keys)["_row"]
    for position in _rows(duplicated):
        key = tuple(frame.at[position, k] for k in keys)
        first = first_rows.loc[key if len(keys) > 1 else key[0]]
        extra = {name: frame.at[position, source] for name, source in params.items()}
        report.add(
            code,
            column=column,
            value=frame.at[position, column],
            first=int(first),
            **extra,
            **_at(frame, position),
        )


def check_membership(
    frame: pd.DataFrame, column: str, known: pd.Series, code: str, report: Report
) -> pd.Series:
    """Rows whose value is not among the known ones; returns the mask.

    An empty list of known values means its file is missing or unreadable, which is
    reported once already; listing every row again would bury that one error.
    """
    unknown = ~frame[column].isin(known) & nonblank(frame[column])
    if len(known) == 0:
        unknown &= False
    for position in _rows(unknown):
        report.add(code, column=column, value=frame.at[position, column], **_at(frame, position))
    return unknown


def validate_year(data: YearData, report: Report | None = None) -> Report:
    """Check a loaded year; the reader's problems come first when a report is passed."""
    report = report if report is not None else Report()
    communities = data.communities
    community_ids = communities["community_id"]
    if len(communities) == 0 and data.paths.get("communities"):
        report.add("no-communities", file=data.paths["communities"].name)
    check_blank(communities, ["community_id", "name", "area"], report)
    check_duplicates(communities, ["community_id"], "community_id", "duplicate-community", report)

    _check_criteria(data, report)

    if data.roster is not None:
        roster = data.roster
        check_blank(roster, ["community_id", "resident_id"], report)
        check_membership(roster, "community_id", community_ids, "unknown-community", report)
        check_duplicates(
            roster,
            ["community_id", "resident_id"],
            "resident_id",
            "duplicate-resident",
            report,
            community="community_id",
        )
    if data.reps is not None:
        _check_reps(data, report)
    _check_flags(data, report)
    _check_scores(data, report)
    return report


def _check_criteria(data: YearData, report: Report) -> None:
    criteria = data.criteria
    if len(criteria) == 0:
        if data.paths.get("criteria"):
            report.add("no-criteria", file=data.paths["criteria"].name)
        return
    check_blank(criteria, ["item_id", "name"], report)
    check_duplicates(criteria, ["item_id"], "item_id", "duplicate-item", report)
    not_positive = criteria["max_points"].le(0)
    for position in _rows(not_positive):
        report.add(
            "max-points-not-positive",
            column="max_points",
            value=float(criteria.at[position, "max_points"]),
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


def _check_reps(data: YearData, report: Report) -> None:
    reps = data.reps
    assert reps is not None
    check_blank(reps, ["community_id", "resident_id"], report)
    check_membership(
        reps, "community_id", data.communities["community_id"], "unknown-community", report
    )
    check_duplicates(
        reps,
        ["community_id", "resident_id"],
        "resident_id",
        "duplicate-rep",
        report,
        community="community_id",
    )
    if data.roster is not None:
        known = reps.merge(
            data.roster[["community_id", "resident_id"]].drop_duplicates(),
            how="left",
            on=["community_id", "resident_id"],
            indicator=True,
        )["_merge"].eq("both")
        known.index = reps.index
        for position in _rows(~known):
            report.add(
                "rep-not-in-roster",
                column="resident_id",
                value=reps.at[position, "resident_id"],
                community=reps.at[position, "community_id"],
                **_at(reps, position),
            )


def _check_flags(data: YearData, report: Report) -> None:
    flags = data.flags
    if len(flags) == 0:
        flags["flag_code"] = []
        return
    check_blank(flags, ["community_id", "flag"], report)
    check_membership(
        flags, "community_id", data.communities["community_id"], "unknown-community", report
    )
    codes = flags["flag"].map(flag_code)
    unknown = codes.isna() & nonblank(flags["flag"])
    for position in _rows(unknown):
        report.add(
            "unknown-flag", column="flag", value=flags.at[position, "flag"], **_at(flags, position)
        )
    flags["flag_code"] = codes
    if "date" in flags:
        from starcommunity.io.year import _parse_dates

        dates = _parse_dates(flags["date"])
        bad = dates.notna() & ~dates.astype(str).str.match(r"^\d{4}-\d{2}-\d{2}$")
        for position in _rows(bad):
            report.warn(
                "bad-date", column="date", value=flags.at[position, "date"], **_at(flags, position)
            )


def _check_scores(data: YearData, report: Report) -> None:
    import numpy as np

    scores = data.scores
    if len(scores) == 0:
        if data.paths.get("communities"):
            report.warn("no-score-sheets", file="sheets/")
        return
    items = [i for i in data.item_ids if i in scores.columns]
    maxima = data.criteria.drop_duplicates("item_id").set_index("item_id")["max_points"]
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
                    column=_label(data, scores, position, item),
                    value=float(values.at[position]),
                    max=maximum,
                    name=names.get(item, item),
                    item=item,
                    **_at(scores, position),
                )

    check_blank(scores, ["community_id", "rater_id"], report)
    check_membership(
        scores, "community_id", data.communities["community_id"], "unknown-community", report
    )
    known_group = scores["group"].isin(GROUPS)
    check_duplicates(
        scores[known_group],
        ["community_id", "group", "rater_id"],
        "rater_id",
        "duplicate-rater",
        report,
        community="community_id",
        group="group",
    )
    _check_residents_drawn(data, report)
    _check_rater_counts(data, report)
    _check_dates(data, report)
    _check_rater_quality(data, report, items, maxima)


def _check_residents_drawn(data: YearData, report: Report) -> None:
    scores = data.scores
    residents = scores["group"].eq("residents")
    if not residents.any():
        return
    if data.reps is None:
        report.add("missing-file", file="reps.csv", kind="reps")
        return
    drawn = data.reps[["community_id", "resident_id"]].drop_duplicates()
    drawn = drawn.rename(columns={"resident_id": "rater_id"})
    merged = scores.loc[residents, ["community_id", "rater_id"]].merge(
        drawn, how="left", on=["community_id", "rater_id"], indicator=True
    )
    not_drawn = merged["_merge"].ne("both").to_numpy()
    positions = scores.index[residents][not_drawn]
    for position in positions[:MAX_LISTED_PER_CHECK]:
        report.add(
            "rater-not-drawn",
            column=_label(data, scores, position, "rater_id"),
            value=scores.at[position, "rater_id"],
            community=scores.at[position, "community_id"],
            **_at(scores, position),
        )


def rater_counts(data: YearData) -> pd.DataFrame:
    """Distinct raters per community and group, every community x group present (0s too)."""
    import pandas as pd

    scores = data.scores
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


def _check_rater_counts(data: YearData, report: Report) -> None:
    import numpy as np

    counts = rater_counts(data)
    expected = counts["group"].map(data.scheme.raters).fillna(0).astype(int)
    raters = counts["raters"]
    committee = counts["group"].eq("committee")
    missing = raters.eq(0) & expected.gt(0)
    wrong = raters.gt(0) & np.where(committee, raters.lt(expected), raters.ne(expected))
    # Loop only over the community x group pairs with a problem, in their order.
    for position in np.flatnonzero((missing | wrong).to_numpy()):
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
        report.add(
            "wrong-rater-count",
            file="sheets/",
            value=int(row["raters"]),
            expected=f"≥{want}" if row["group"] == "committee" else str(want),
            community=row["community_id"],
            group=row["group"],
        )


def _check_dates(data: YearData, report: Report) -> None:
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
            column=_label(data, scores, position, "date"),
            value=dates.at[position],
            **_at(scores, position),
        )
    for group, (start, end) in data.scheme.timeline.items():
        outside_u = np.array([t < start or t > end for t in text_u], dtype=bool)
        outside = present & iso & scores["group"].eq(group)
        outside &= pd.Series(outside_u[codes], index=scores.index)
        for position in _rows(outside):
            report.warn(
                "date-outside-window",
                column=_label(data, scores, position, "date"),
                value=dates.at[position],
                group=group,
                start=start,
                end=end,
                **_at(scores, position),
            )


def _check_rater_quality(
    data: YearData, report: Report, items: list[str], maxima: pd.Series
) -> None:
    """Straight-lining and outlying totals: warnings for the office to look at."""
    import numpy as np

    scores = data.scores
    if not items or len(scores) == 0:
        return
    values = scores[items].astype(float)
    complete = values.notna().all(axis=1)
    full = values.eq(maxima.reindex(items).to_numpy()).all(axis=1) & complete
    # One distinct score on a complete row: its largest equals its smallest.
    same = values.max(axis=1).eq(values.min(axis=1)) & complete & ~full & (len(items) > 1)
    for kind, mask in (("full marks", full), ("the same score", same)):
        for position in _rows(mask):
            if kind != "full marks":
                kind = f"the same score ({values.at[position, items[0]]:g})"
            report.warn(
                "straight-lining",
                value=scores.at[position, "rater_id"],
                kind=kind,
                **_at(scores, position),
            )
    totals = values.sum(axis=1, min_count=len(items))
    frame = scores[["community_id", "group"]].assign(total=totals)
    keys = [frame["community_id"], frame["group"]]
    median = frame.groupby(keys)["total"].transform("median")
    mad = (frame["total"] - median).abs().groupby(keys).transform("median")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 0.6745 * (frame["total"] - median) / mad
    outlier = z.abs().gt(MODIFIED_Z_LIMIT) & mad.gt(0)
    for position in _rows(outlier):
        report.warn(
            "outlier-rater",
            value=scores.at[position, "rater_id"],
            total=round(float(totals.at[position]), 2),
            z=round(float(z.at[position]), 1),
            group=scores.at[position, "group"],
            community=scores.at[position, "community_id"],
            **_at(scores, position),
        )
