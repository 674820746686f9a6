"""Scoring a year (SPEC 3.1-3.4): rater totals, group scores, weighted totals.

This is core: it takes a loaded :class:`~starcommunity.io.year.YearData` and returns
frames and an :class:`~starcommunity.evaluation.Evaluation`; it never prints, reads
options or exits. Everything works column-wise (groupby, rank, merge); the only
Python-level loops run once per community (rounding, flag lists), never per score row.

:func:`evaluate` expects a year that :func:`starcommunity.validate.validate_year`
passed (the ``rank`` command checks that first). On a year with errors it still
returns an Evaluation, but a blank cell turns the rater's total, the group's score
and the community's total into NaN rather than guessing.
"""

from __future__ import annotations

import hashlib
import math
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from starcommunity.io.year import year_folders
from starcommunity.model import FLAGS, GROUPS, STAR_VALUES, Scheme, as_written

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from starcommunity.evaluation import Evaluation
    from starcommunity.io.year import YearData
    from starcommunity.problems import Report

GROUP_KEYS = ["community_id", "group"]
RATER_COLUMNS = ["community_id", "group", "rater_id", "rater_name", "total"]
META_COLUMNS = ["_file", "_sheet", "_row"]
# Float noise in a weighted sum of means of a few hundred scores is around 1e-13;
# the finest genuine step such a total can take is far coarser (see round_half_up).
NOISE_DECIMALS = 9


def rater_totals(data: YearData) -> pd.DataFrame:
    """One row per score-sheet row: the rater's total over every criteria item.

    Only rows whose group is one of GROUPS and whose community is in the communities
    file are kept (the others are validation errors and belong to no group). A blank
    or unreadable item makes the total NaN: a blank is not a zero (SPEC 3.1).
    """
    import pandas as pd

    scores = data.scores
    columns = [*RATER_COLUMNS, *META_COLUMNS]
    if len(scores) == 0 or "group" not in scores:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c == "total" else object) for c in columns}
        )
    items = [item for item in data.item_ids if item and item in scores.columns]
    known = scores["group"].isin(GROUPS) & scores["community_id"].isin(
        data.communities["community_id"]
    )
    frame = scores.loc[known]
    if items:
        # min_count = every item: any missing item leaves the total NaN
        totals = frame[items].astype(float).sum(axis=1, min_count=len(items))
    else:
        totals = pd.Series(float("nan"), index=frame.index)
    result = frame.reindex(columns=["community_id", "group", "rater_id", "rater_name"]).copy()
    result["total"] = totals.astype(float)
    for column in META_COLUMNS:
        result[column] = frame.get(column)
    return result.reset_index(drop=True)


def trim_mask(totals: pd.DataFrame, scheme: Scheme) -> pd.Series:
    """True for the totals that trimming drops (SPEC 3.2).

    In a community's group with more than ``trim_min`` raters, the ``trim`` lowest and
    ``trim`` highest totals are dropped. Ties are cut exactly: the rows are ordered by
    total, then rater_id, and exactly ``trim`` rows go at each end, so which of two
    equal totals is marked is reproducible and the mean is the same either way.
    A group must also keep at least one total (more than 2 x trim raters), so a scheme
    with trim_min below 2 x trim never empties a group.
    """
    import numpy as np
    import pandas as pd

    if scheme.trim <= 0 or len(totals) == 0:
        return pd.Series(False, index=totals.index, dtype=bool)
    # numpy on integer codes: a sort on the string keys is three times slower at
    # a nation's two million rows. codes = the group; rater codes keep string order.
    codes = totals.groupby(GROUP_KEYS, sort=False).ngroup().to_numpy()
    rater_order = pd.factorize(totals["rater_id"].astype(str), sort=True)[0]
    order = np.lexsort((rater_order, totals["total"].to_numpy(dtype=float), codes))
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    lengths = np.diff(np.r_[starts, len(order)])
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order)) - np.repeat(starts, lengths)
    size = np.bincount(codes)[codes]
    active = (size > scheme.trim_min) & (size > 2 * scheme.trim)
    ends = (position < scheme.trim) | (position >= size - scheme.trim)
    return pd.Series(active & ends, index=totals.index, dtype=bool)


def group_scores(
    totals: pd.DataFrame,
    scheme: Scheme,
    community_ids: pd.Series | list[str] | None = None,
) -> pd.DataFrame:
    """Each community's score from each group: the mean of the (untrimmed) totals.

    Returns community_id, group, raters (rows scored), used (rows in the mean),
    expected (the scheme's [raters] count: exact for residents and office, a minimum
    for committee), short (fewer raters than expected) and score (NaN when the group
    has no raters or a total is NaN). With ``community_ids`` every community x group
    pair is present, those without any rater with raters = 0.
    If ``totals`` has a ``trimmed`` column it is used; otherwise :func:`trim_mask`.
    """
    import pandas as pd

    trimmed = totals["trimmed"] if "trimmed" in totals else trim_mask(totals, scheme)
    used = ~trimmed.astype(bool)
    work = pd.DataFrame(
        {
            "community_id": totals["community_id"],
            "group": totals["group"],
            "total": totals["total"].astype(float),
            "used": used,
            "kept": totals["total"].astype(float).where(used),
            "blank": totals["total"].isna(),
        }
    )
    # One groupby pass. mean skips NaN, which drops the trimmed rows; a blank total
    # must not quietly shrink the mean instead, so a group with one has no score.
    agg = work.groupby(GROUP_KEYS).agg(
        raters=("total", "size"),
        used=("used", "sum"),
        mean=("kept", "mean"),
        blank=("blank", "any"),
    )
    raters = agg["raters"]
    if community_ids is not None:
        index = pd.MultiIndex.from_product(
            [pd.Series(community_ids).drop_duplicates().tolist(), list(GROUPS)],
            names=GROUP_KEYS,
        )
    else:
        index = raters.index
    frame = pd.DataFrame(index=index)
    frame["raters"] = raters.reindex(index, fill_value=0).astype(int)
    frame["used"] = agg["used"].reindex(index, fill_value=0).astype(int)
    blank = agg["blank"].reindex(index, fill_value=False).astype(bool)
    frame["score"] = agg["mean"].reindex(index).where(~blank)
    frame["score"] = frame["score"].astype(float)
    frame = frame.reset_index()
    frame["expected"] = frame["group"].map(lambda g: int(scheme.raters.get(g, 0))).astype(int)
    frame["short"] = frame["raters"].lt(frame["expected"])
    return frame[["community_id", "group", "raters", "used", "expected", "short", "score"]]


def needed_groups(scheme: Scheme) -> list[str]:
    """Groups a total cannot do without: weighted, or required by [raters]."""
    return [g for g in GROUPS if scheme.weights.get(g, 0) > 0 or scheme.raters.get(g, 0) > 0]


def round_half_up(values: pd.Series, places: int = 2) -> pd.Series:
    """Round half-up to ``places`` decimals, as totals are published (SPEC 3.4).

    A float cannot hold most decimals exactly: 0.15 x 90.6667 + ... meant to be 90.125
    can come out as 90.12499999999999, which float rounding sends to 90.12. So each
    value is first written with NOISE_DECIMALS (9) decimals, which removes the float
    noise (about 1e-13 for totals near 100), and that decimal text is rounded half-up
    exactly with :mod:`decimal`. That is right for any total that is not within 1e-9
    of a half-way point without being on it; evaluate() redoes the few totals near one
    exactly (exact_near_half), as weights of a third written to ten decimals can put a
    total a hair below 80.015. One Decimal per community: tiny.
    """
    step = Decimal(1).scaleb(-places)

    def one(value: float) -> float:
        if value is None or not math.isfinite(value):
            return float("nan")
        text = f"{value:.{NOISE_DECIMALS}f}"
        # enough digits for any float (1e308 has 309), or quantize raises InvalidOperation
        context = Context(prec=len(text) + places)
        return float(Decimal(text).quantize(step, ROUND_HALF_UP, context=context))

    return values.astype(float).map(one).astype(float)


def weighted_totals(groups: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Per community: the three group scores, the weighted total, what is missing.

    Columns: community_id, committee, office, residents (scores), missing (groups
    with no raters at all), complete (every needed group has its expected raters),
    total_exact (sum of weight x score) and total (rounded half-up to 2 decimals).
    Both totals are NaN for an incomplete community: a total from part of the raters
    would be published too early.
    """
    import numpy as np
    import pandas as pd

    needed = needed_groups(scheme)
    scores = groups.pivot(index="community_id", columns="group", values="score")
    scores = scores.reindex(columns=list(GROUPS)).astype(float)
    raters = groups.pivot(index="community_id", columns="group", values="raters")
    raters = raters.reindex(columns=list(GROUPS)).fillna(0)
    short = groups.pivot(index="community_id", columns="group", values="short")
    short = short.reindex(columns=list(GROUPS)).fillna(False).astype(bool)
    absent = raters[needed].eq(0)
    # One small step per community: the list of absent group names.
    names = np.array(needed, dtype=object)
    missing = pd.Series(
        [names[row].tolist() for row in absent.to_numpy(dtype=bool)],
        index=absent.index,
        dtype=object,
    )
    complete = ~(absent.any(axis=1) | short[needed].any(axis=1))
    weighted = [scores[g] * scheme.weights[g] for g in GROUPS if scheme.weights.get(g, 0) > 0]
    exact = pd.concat(weighted, axis=1).sum(axis=1, min_count=len(weighted))
    exact = exact.where(complete)
    result = scores.copy()
    result.columns.name = None
    result["missing"] = missing.reindex(result.index)
    result["complete"] = complete.astype(bool)
    result["total_exact"] = exact.astype(float)
    result["total"] = round_half_up(result["total_exact"])
    return result.reset_index()


# A float total this close to a half-way point (x.xx5, in points) is worked out again
# exactly before it is rounded: see exact_near_half.
NEAR_HALF = 1e-6


def exact_near_half(frame: pd.DataFrame, data: YearData) -> pd.Series:
    """`frame`'s published totals, those near a half-way point redone exactly.

    A float total is the exact total give or take about 1e-13, which decides nothing
    unless the exact total is on or next to a half-way point (90.125), where half-up
    rounding turns on the last digit. Those few communities are worked out again as
    an auditor would by hand, in exact fractions: each rater's total as the sum of the
    scores as typed (the shortest decimal of each float), the trim on those totals, the
    groups' means, the weights as written; and that is rounded half-up. Every other
    total is far enough from a half-way point for the float to round it rightly.
    """
    import numpy as np

    totals = frame["total_exact"].to_numpy(dtype=float)
    cents = totals * 100
    near = np.abs(cents - np.floor(cents) - 0.5) < NEAR_HALF * 100
    published = frame["total"].astype(float).copy()
    if not near.any():
        return published
    communities = frame["community_id"].to_numpy(dtype=object)[near]
    exact = _exact_totals(data, set(communities))
    for position in np.flatnonzero(near):
        total = exact.get(frame["community_id"].iat[position])
        if total is not None:
            published.iat[position] = math.floor(total * 100 + Fraction(1, 2)) / 100
    return published


def _exact_totals(data: YearData, communities: set[object]) -> dict[object, Fraction]:
    """The exact weighted totals of a few communities (exact_near_half), from their
    score rows. A community with a score that is no finite number has none (its float
    total is NaN anyway)."""
    import numpy as np
    import pandas as pd

    scheme = data.scheme
    scores = data.scores
    items = [item for item in data.item_ids if item and item in scores.columns]
    wanted = scores["community_id"].isin(communities) & scores["group"].isin(GROUPS)
    rows = scores.loc[wanted, ["community_id", "group", "rater_id", *items]]
    values = rows[items].to_numpy(dtype=float)
    finite = np.isfinite(values).all(axis=1) if items else np.zeros(len(rows), dtype=bool)
    broken = set(rows["community_id"].to_numpy()[~finite])
    rows, values = rows[finite], values[finite]
    exact, scale = _sums_as_typed(values)
    # the trim, as trim_mask does it for the float totals: distinct exact totals of
    # scores of up to 6 decimals differ by far more than a float's error
    work = rows[["community_id", "group", "rater_id"]].assign(total=values.sum(axis=1))
    kept = ~trim_mask(work, scheme).to_numpy()
    sums = (
        pd.DataFrame(
            {
                "community_id": work["community_id"].to_numpy()[kept],
                "group": work["group"].to_numpy()[kept],
                "exact": pd.Series(exact, dtype=object).to_numpy()[kept],
            }
        )
        .groupby(GROUP_KEYS)["exact"]
        .agg(["sum", "count"])
    )
    weights = {g: Fraction(as_written(w)) for g, w in scheme.weights.items() if w > 0}
    parts: dict[object, dict[str, Fraction]] = {}
    for (community, group), total, count in zip(
        sums.index, sums["sum"], sums["count"], strict=True
    ):
        if group in weights:
            parts.setdefault(community, {})[group] = Fraction(total) / (count * scale)
    return {
        community: sum((weights[g] * mean for g, mean in means.items()), Fraction(0))
        for community, means in parts.items()
        if community not in broken and len(means) == len(weights)
    }


def _sums_as_typed(values: np.ndarray) -> tuple[list[int] | list[Fraction], int]:
    """Each row's sum of the scores as typed (the shortest decimal that reads back as
    each float), exactly, in units of 1/scale. Scores of up to 6 decimals (all real
    ones) are summed as integers at once: a decimal of that many places that reads
    back as the very same float is the one typed. Any others take one Fraction each."""
    import numpy as np

    for places in (2, 6):
        scale = 10**places
        whole = np.rint(values * scale)
        if (np.abs(whole) < 2**52).all() and (whole / scale == values).all():
            return whole.sum(axis=1).astype(np.int64).tolist(), scale
    typed = [sum((Fraction(as_written(v)) for v in row), Fraction(0)) for row in values]
    return typed, 1


def flag_frame(data: YearData) -> pd.DataFrame:
    """The flags of the year: community_id, flag_code, wording, date, note.

    Flags written as a code or as the document's wording both become the code; the
    wording is always the document's Chinese (model.FLAGS). Flags that are not one of
    the six events are validation errors and are left out here.
    """
    import pandas as pd

    from starcommunity.validate import flag_code

    columns = ["community_id", "flag_code", "wording", "date", "note"]
    flags = data.flags
    if len(flags) == 0 or "flag" not in flags:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    codes = flags["flag"].astype(str).map(flag_code)
    frame = pd.DataFrame(
        {
            "community_id": flags["community_id"].astype(object),
            "flag_code": codes.astype(object),
            "wording": codes.map(lambda c: FLAGS.get(c) if isinstance(c, str) else None),
            "date": flags["date"].astype(object) if "date" in flags else None,
            "note": flags["note"].astype(object) if "note" in flags else None,
        }
    )
    frame = frame[frame["flag_code"].notna()]
    frame = frame[frame["community_id"].isin(data.communities["community_id"])]
    return frame.reset_index(drop=True)[columns]


def _change(current: object, previous: object) -> str:
    """Star change against the year before.

    new: no star the year before (absent, disqualified or below the minimum) and one
    now; down: fewer stars, or a star lost (disqualified now); "" when neither year
    has a star.
    """
    import pandas as pd

    had, has = not pd.isna(previous), not pd.isna(current)
    if not has:
        return "down" if had else ""
    if not had:
        return "new"
    if int(current) > int(previous):  # type: ignore[call-overload]
        return "up"
    if int(current) < int(previous):  # type: ignore[call-overload]
        return "down"
    return "same"


def input_fingerprints(data: YearData) -> list[dict[str, object]]:
    """SHA-256 and size of every file read, named relative to the year folder."""
    entries = []
    for path in data.input_files:
        content = Path(path).read_bytes()
        try:
            name = Path(path).relative_to(data.folder).as_posix()
        except ValueError:
            name = str(path)
        entries.append(
            {"file": name, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        )
    return entries


def evaluate(
    data: YearData,
    previous: Evaluation | None = None,
    *,
    generated_at: str | None = None,
) -> Evaluation:
    """Score, rank and star one year; compare with ``previous`` when given (七、4)."""
    import datetime

    import pandas as pd

    from starcommunity import __version__
    from starcommunity.evaluation import COMMUNITY_COLUMNS, Evaluation
    from starcommunity.stars import rank_and_stars

    scheme = data.scheme
    communities = data.communities.drop_duplicates("community_id")
    communities = communities[["community_id", "name", "area"]].astype(object)
    communities = communities.reset_index(drop=True)
    ids = communities["community_id"]

    totals = rater_totals(data)
    raters = totals.assign(trimmed=trim_mask(totals, scheme))
    groups = group_scores(raters, scheme, community_ids=ids)
    frame = communities.merge(weighted_totals(groups, scheme), on="community_id", how="left")
    frame["total"] = exact_near_half(frame, data)

    flags = flag_frame(data)
    # One list per community, in file order, each code once.
    reasons = flags.groupby("community_id", sort=False)["flag_code"].agg(
        lambda codes: list(dict.fromkeys(codes))
    )
    frame["disqualified"] = [reasons.get(c, []) for c in frame["community_id"]]
    qualified = frame["complete"] & frame["disqualified"].map(len).eq(0) & frame["total"].notna()
    ranked = rank_and_stars(frame["total"], qualified, scheme)
    frame["rank"] = ranked["rank"]
    frame["stars"] = ranked["stars"]

    # [rewards] per star level (八); NaN for no star or a level without an amount
    reward_of = {float(STAR_VALUES[level]): amount for level, amount in scheme.rewards.items()}
    frame["reward"] = frame["stars"].astype(float).map(reward_of).astype(float)

    frame["previous_stars"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["change"] = ""

    # Best first; the unranked (incomplete, disqualified) after, by total then id.
    frame = frame.sort_values(
        ["rank", "total", "community_id"],
        ascending=[True, False, True],
        na_position="last",
        kind="mergesort",
    ).reset_index(drop=True)
    frame = frame[list(COMMUNITY_COLUMNS)]

    now = generated_at or datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    evaluation = Evaluation(
        year=data.year,
        scheme=scheme,
        communities=frame,
        groups=groups,
        raters=raters,
        flags=flags,
        inputs=input_fingerprints(data),
        tool_version=__version__,
        generated_at=now,
    )
    return compare(evaluation, previous) if previous is not None else evaluation


def compare(evaluation: Evaluation, previous: Evaluation) -> Evaluation:
    """A copy of ``evaluation`` with previous_stars and change against ``previous``."""
    import dataclasses

    frame = evaluation.communities.copy()
    before = previous.communities.drop_duplicates("community_id").set_index("community_id")
    frame["previous_stars"] = frame["community_id"].map(before["stars"]).astype("Int64")
    frame["change"] = [
        _change(s, p) for s, p in zip(frame["stars"], frame["previous_stars"], strict=True)
    ]
    return dataclasses.replace(evaluation, communities=frame)


def tolerated_while_incomplete(
    problem_code: str, params: dict[str, object], value: object, scheme: Scheme
) -> bool:
    """A wrong-rater-count that is only short: sheets still arriving, not wrong data."""
    if problem_code != "wrong-rater-count":
        return False
    group = str(params.get("group", ""))
    try:
        return int(value) < int(scheme.raters.get(group, 0))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def blocking_errors(report: Report, scheme: Scheme) -> Report:
    """The errors that stop `score`: all except groups that are short of raters."""
    from starcommunity.problems import Report

    blocking = Report()
    blocking.problems = [
        p
        for p in report.errors
        if not tolerated_while_incomplete(p.code, dict(p.params), p.value, scheme)
    ]
    return blocking


# Why a year could not be evaluated for year-over-year comparison and history.
SKIP_MISSING = "missing"
SKIP_INVALID = "invalid"
SKIP_INCOMPLETE = "incomplete"


def try_evaluate(
    root: Path | str,
    year: str,
    previous: Evaluation | None = None,
) -> tuple[Evaluation | None, str]:
    """Evaluate ROOT/YEAR when it validates and every community is complete.

    Returns (evaluation, "") or (None, reason) with reason one of SKIP_MISSING,
    SKIP_INVALID, SKIP_INCOMPLETE. Used for the year before `rank` and for `history`,
    where a year that cannot be ranked is skipped and said so, not fatal.
    """
    from starcommunity.io.year import YearFolderMissing, load_year
    from starcommunity.validate import check_people, validate_while

    try:
        data, report = load_year(root, year, people_details=False, check_people=check_people)
    except YearFolderMissing:
        return None, SKIP_MISSING
    evaluation = validate_while(data, report, lambda: evaluate(data, previous))
    if not report.valid:
        return None, SKIP_INVALID
    if evaluation is None:
        evaluation = evaluate(data, previous)
    if not bool(evaluation.communities["complete"].all()) or len(evaluation.communities) == 0:
        return None, SKIP_INCOMPLETE
    return evaluation, ""


def previous_year(year: str) -> str | None:
    """'2009' -> '2008'; None for a folder name that is not a year number."""
    text = str(year).strip()
    # isdecimal, not isdigit: '²' is a digit that int() refuses
    return str(int(text) - 1) if text.isdecimal() and int(text) > 0 else None


def year_like_folders(root: Path | str) -> list[str]:
    """Sub-folders that start with a year but are not named by it alone (2010年, 2008-backup).

    `history` does not read them; the command names them so that a year filed as
    '2010年' is not left out without a word.
    """
    import re

    pattern = re.compile(r"\d{4}\D")
    folders = [
        p.name
        for p in Path(root).iterdir()
        if p.is_dir() and not p.name.isdecimal() and pattern.match(p.name)
    ]
    return sorted(folders)


def history(root: Path | str) -> tuple[list[Evaluation], list[tuple[str, str]]]:
    """Every year under ROOT that can be ranked, oldest first, and the skipped ones.

    Each year is compared with the year before when that one was ranked too, so the
    evaluations carry the same change column as `rank` shows.
    """
    evaluations: list[Evaluation] = []
    skipped: list[tuple[str, str]] = []
    by_year: dict[str, Evaluation] = {}
    for year in year_folders(root):
        before = previous_year(year)
        evaluation, reason = try_evaluate(root, year, by_year.get(before or ""))
        if evaluation is None:
            skipped.append((year, reason))
            continue
        by_year[year] = evaluation
        evaluations.append(evaluation)
    return evaluations, skipped


def history_frame(evaluations: list[Evaluation]) -> pd.DataFrame:
    """Long form: community_id, name, area, year, rank, stars, disqualified.

    Name and area come from the latest year a community appears in, so a renamed
    community shows one row under its current name.
    """
    import pandas as pd

    columns = ["community_id", "name", "area", "year", "rank", "stars", "disqualified"]
    parts = [
        e.communities[["community_id", "name", "area", "rank", "stars", "disqualified"]].assign(
            year=e.year
        )
        for e in evaluations
    ]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    long = pd.concat(parts, ignore_index=True)
    latest = long.drop_duplicates("community_id", keep="last").set_index("community_id")
    long["name"] = long["community_id"].map(latest["name"])
    long["area"] = long["community_id"].map(latest["area"])
    return long[columns]


def _plain(value: object) -> object:
    """numpy / pandas scalars to JSON-ready Python values, NaN and <NA> to None."""
    import pandas as pd

    if isinstance(value, (list, str, bool)) or value is None:
        return value
    if pd.isna(value):  # type: ignore[call-overload]
        return None
    return value.item() if hasattr(value, "item") else value


def score_records(evaluation: Evaluation) -> list[dict[str, object]]:
    """`score --format json`: per community, group scores with counts, total, status.

    Unlike `rank`, this is meant for a year in progress: `missing` lists the groups
    with no sheets yet, `short` those with fewer raters than the scheme requires, and
    `total` is null until the community is complete.
    """
    groups = evaluation.groups.set_index(["community_id", "group"])
    records = []
    for row in evaluation.communities.to_dict("records"):
        detail: dict[str, object] = {}
        short: list[str] = []
        for group in GROUPS:
            key = (row["community_id"], group)
            if key not in groups.index:
                continue
            g = groups.loc[key]
            detail[group] = {
                "raters": _plain(g["raters"]),
                "used": _plain(g["used"]),
                "expected": _plain(g["expected"]),
                "score": _plain(g["score"]),
            }
            if bool(g["short"]) and int(g["raters"]) > 0:
                short.append(group)
        records.append(
            {
                "community_id": row["community_id"],
                "name": row["name"],
                "area": row["area"],
                **{group: _plain(row[group]) for group in GROUPS},
                "total": _plain(row["total"]),
                "total_exact": _plain(row["total_exact"]),
                "complete": bool(row["complete"]),
                "missing": list(row["missing"]),
                "short": short,
                "disqualified": list(row["disqualified"]),
                "groups": detail,
            }
        )
    return records


def history_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """`history --format json`: one object per community, its years by year.

    ``years`` maps each ranked year the community took part in to its rank, stars and
    disqualifying flags; a year it is absent from is absent from the mapping.
    """
    records: dict[str, dict[str, object]] = {}
    for row in frame.to_dict("records"):
        record = records.setdefault(
            str(row["community_id"]),
            {
                "community_id": row["community_id"],
                "name": row["name"],
                "area": row["area"],
                "years": {},
            },
        )
        record["years"][str(row["year"])] = {  # type: ignore[index]
            "rank": _plain(row["rank"]),
            "stars": _plain(row["stars"]),
            "disqualified": list(row["disqualified"]),
        }
    return sorted(records.values(), key=lambda r: str(r["community_id"]))
