"""The representative draw (七、1): seeded, reproducible and verifiable.

This module is the pure core: it takes and returns DataFrames and dataclasses, never
prints, reads or writes files. Everything here is written down precisely enough that
anyone can redo a draw by hand or in another language.

The pool
    The pool of a community is its roster rows with ``eligible`` true, sorted by
    ``resident_id`` in plain string order (by Unicode code point, as Python's ``sorted``).

Method ``sha256`` (default)
    For i = 1, 2, ..., count + alternates::

        h = int.from_bytes(SHA-256(f"{seed}|{community_id}|{i}".encode("utf-8")), "big")
        position = h mod len(pool)          # 0-based

    ``pool[position]`` is picked and removed; the others keep their order. The first
    ``count`` picks are representatives (role ``rep``), the rest alternates in order.
    The seed is used exactly as given (no trimming).

Method ``rfc3797`` (IETF RFC 3797, section 4)
    The seed holds the public sources separated by ``/``, each a list of integers
    separated by spaces or commas (``"9319/2 5 12 8 10/9 18 26 34 41 45"``). The key
    string is, for each source in the given order, its integers sorted ascending, each
    written in decimal followed by ``.``, then ``/``
    (``"9319./2.5.8.10.12./9.18.26.34.41.45./"``). For i = 0, 1, 2, ...::

        h = int.from_bytes(MD5(i.to_bytes(2, "big") + key.encode("ascii")
                               + i.to_bytes(2, "big")), "big")
        position = h mod len(pool)

    Every community uses the same key, and i restarts at 0 for each community.

One per household
    With ``one_per_household``, after each pick everyone else in the picked resident's
    household (a non-empty ``household`` value) leaves the pool too; the rest keep their
    order. Residents with an empty household are households of their own.

Stratification by compound (``stratify="compound"``)
    Each compound (小区; residents with no compound form the stratum ``""``) is drawn on
    its own, from its part of the pool, still sorted by ``resident_id``. The seats are
    split first for the representatives, then separately for the alternates, in
    proportion to each compound's eligible pool size by largest remainder (Hamilton):
    every compound gets the integer part of its quota, the seats left over go to the
    largest remainders, ties to the compound whose name sorts first. A compound never
    gets more seats than it can fill (its pool size, or with ``one_per_household`` its
    number of households); the seats it cannot take are split again among the others
    the same way. Alternates are split over what is left of each compound after its
    representatives. With ``one_per_household``, compounds are drawn in name order and
    the members of a household picked in an earlier compound are left out of the later
    compounds' pools (a household should not span compounds; if one does, a compound may
    come out short, and DrawResult.split_households names it). A compound with ``r``
    representative and ``a`` alternate seats draws ``r + a`` picks, the first ``r``
    being representatives. For ``sha256`` the hash input becomes
    ``f"{seed}|{community_id}|{compound}|{i}"``, i = 1, 2, ... per compound; for
    ``rfc3797`` i restarts at 0 for each compound. Output lists the representatives
    by compound name then pick order, then the alternates the same way; ``order`` is
    numbered 1..n per community.

The pool fingerprint (公示)
    SHA-256 (hex) of the UTF-8 text made of one line per pool member, in pool order:
    ``f"{resident_id}\\t{household}\\t{compound}\\n"``. Names are left out, so the
    published fingerprint reveals no names, but adding, removing or re-housing anyone
    in the pool changes it. An empty pool has the fingerprint of the empty string.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

METHODS: tuple[str, ...] = ("sha256", "rfc3797")
STRATIFY: tuple[str, ...] = ("compound",)
ROSTER_COLUMNS: tuple[str, ...] = ("community_id", "resident_id", "name", "household", "compound")
POOL_COLUMNS: tuple[str, ...] = ROSTER_COLUMNS
REPS_COLUMNS: tuple[str, ...] = ("community_id", "order", "resident_id", "name", "role", "compound")
AUDIT_COLUMNS: tuple[str, ...] = (
    "community_id",
    "compound",
    "i",
    "hash",
    "pool_size",
    "position",
    "resident_id",
    "role",
)
POOLS_COLUMNS: tuple[str, ...] = ("community_id", "pool_size", "fingerprint")
VERIFY_COLUMNS: tuple[str, ...] = ("community_id", "status", "detail")
STATUSES: tuple[str, ...] = ("match", "roster-changed", "reps-differ", "missing")
ROLE_REP = "rep"
ROLE_ALTERNATE = "alternate"
RECORD_KEYS: tuple[str, ...] = (
    "seed",
    "method",
    "count",
    "alternates",
    "one_per_household",
    "stratify",
    "pools",
    "tool_version",
)
_RFC3797_MAX_PICKS = 1 << 16  # i is written as 2 bytes


class DrawOptionError(ValueError):
    """A draw option that cannot be used (a usage error, not a data error)."""


class DrawSeedError(DrawOptionError):
    """A seed that the chosen method cannot use."""


@dataclass
class DrawResult:
    """Everything a draw produces.

    reps: community_id, order, resident_id, name, role (rep | alternate), compound.
    audit: one row per pick: community_id, compound ("" unless stratified), i, hash
        (hex digest), pool_size (before the pick), position (0-based), resident_id, role.
    pools: the announcement (公示): community_id, pool_size, fingerprint.
    short: (community_id, wanted, got) for each community whose pool ran out.
    split_households: (community_id, household, compounds) for each household of the
        eligible pool found in more than one compound, when drawn one per household by
        compound: its picked member's compound drawn first takes the whole household out
        of the later compounds, which can leave a seat empty.
    """

    reps: pd.DataFrame
    audit: pd.DataFrame
    pools: pd.DataFrame
    short: list[tuple[str, int, int]] = field(default_factory=list)
    split_households: list[tuple[str, str, list[str]]] = field(default_factory=list)


@dataclass
class VerifyResult:
    """The outcome of redoing a draw from its record.

    communities: community_id, status (match | roster-changed | reps-differ | missing),
        detail (every difference, by order, in words; "" on a match).
    audit: the audit table of the redone draw.
    problems: problems with the record itself (then nothing could be redone).
    """

    communities: pd.DataFrame
    audit: pd.DataFrame
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool((self.communities["status"] == "match").all())


# --------------------------------------------------------------------------- the pool


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str)


def _eligible_rows(roster: pd.DataFrame) -> pd.DataFrame:
    """Eligible roster rows in canonical order: community_id, then resident_id.

    Equal resident_ids (a data error reported elsewhere) are ordered by household,
    compound and name so the order never depends on the roster's row order.
    """
    missing = [c for c in ("community_id", "resident_id") if c not in roster.columns]
    if missing:
        raise KeyError(f"roster lacks column(s): {', '.join(missing)}")
    frame = pd.DataFrame(
        {c: _text(roster[c]) if c in roster.columns else "" for c in ROSTER_COLUMNS},
        index=roster.index,
    )
    if "eligible" in roster.columns:
        eligible = roster["eligible"].astype(object).where(roster["eligible"].notna(), True)
        frame = frame[eligible.astype(bool).to_numpy()]
    # str sort in pandas is code-point order, the same as Python's sorted()
    keys = ["community_id", "resident_id", "household", "compound", "name"]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def residents_without(roster: pd.DataFrame, column: str) -> pd.DataFrame:
    """The eligible residents whose `column` (compound, household) is blank, with where
    they stand: community_id, _file, _sheet, _row. None when the roster lacks it."""
    places = ["community_id", "_file", "_sheet", "_row"]
    if column not in roster.columns:
        return pd.DataFrame(columns=places)
    eligible = roster["eligible"].astype(bool) if "eligible" in roster.columns else True
    blank = _text(roster[column]).str.strip().eq("") & eligible
    return roster.loc[blank, [c for c in places if c in roster.columns]]


def _community_ids(roster: pd.DataFrame, extra: Iterable[str] | None = None) -> list[str]:
    ids = set(_text(roster["community_id"])) if "community_id" in roster.columns else set()
    if extra is not None:
        ids.update(str(c) for c in extra)
    return sorted(ids)


def _pools(
    roster: pd.DataFrame, communities: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Every community's canonical pool, communities in sorted order (empty ones too)."""
    rows = _eligible_rows(roster)
    grouped = {str(cid): grp.reset_index(drop=True) for cid, grp in rows.groupby("community_id")}
    empty = pd.DataFrame({c: pd.Series(dtype=str) for c in POOL_COLUMNS})
    return {cid: grouped.get(cid, empty) for cid in _community_ids(roster, communities)}


def canonical_pool(roster: pd.DataFrame, community_id: str) -> pd.DataFrame:
    """The pool of one community: its eligible rows sorted by resident_id.

    Columns community_id, resident_id, name, household, compound; index 0..n-1 is the
    position used by the draw.
    """
    rows = _eligible_rows(roster)
    return rows[rows["community_id"] == str(community_id)].reset_index(drop=True)


def pool_fingerprint(pool: pd.DataFrame) -> str:
    """SHA-256 hex of the canonical pool.

    The text hashed is one line per pool member, in pool order (sorted by resident_id):
    ``resident_id + TAB + household + TAB + compound + LF``, encoded as UTF-8. Names are
    not part of it. Shell equivalent for a pool in a TSV file of those three columns:
    ``sha256sum pool.tsv``.
    """
    if pool.empty:
        return hashlib.sha256(b"").hexdigest()
    lines = (
        _text(pool["resident_id"])
        + "\t"
        + _text(pool["household"])
        + "\t"
        + _text(pool["compound"])
        + "\n"
    )
    return hashlib.sha256("".join(lines.tolist()).encode("utf-8")).hexdigest()


def _pools_frame(pools: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    rows = [(cid, len(pool), pool_fingerprint(pool)) for cid, pool in pools.items()]
    return pd.DataFrame(rows, columns=list(POOLS_COLUMNS)).astype({"pool_size": "int64"})


def announce(roster: pd.DataFrame, communities: Iterable[str] | None = None) -> pd.DataFrame:
    """The announcement before the draw (公示): community_id, pool_size, fingerprint.

    One row per community of the roster (plus ``communities``), in sorted order.
    """
    return _pools_frame(_pools(roster, communities))


# --------------------------------------------------------------------------- seeds


_SOURCE_SPLIT = re.compile(r"[\s,]+")


def parse_rfc3797_seed(seed: str) -> list[list[int]]:
    """The RFC 3797 sources in a seed: ``"9319/2 5 12 8 10"`` -> ``[[9319], [2, 5, 12, 8, 10]]``.

    Sources are separated by ``/``; the integers of a source by spaces or commas. An
    empty last source (a trailing ``/``) is ignored. Full-width digits are accepted.
    Raises DrawSeedError for anything else.
    """
    text = unicodedata.normalize("NFKC", seed or "").strip()
    if not text:
        raise DrawSeedError(
            "the rfc3797 seed is empty: give the public sources as integers separated by "
            'spaces, one source after another separated by "/", e.g. "9319/2 5 12 8 10"'
        )
    parts = text.split("/")
    if len(parts) > 1 and not parts[-1].strip():
        parts = parts[:-1]
    sources: list[list[int]] = []
    for number, part in enumerate(parts, start=1):
        tokens = [t for t in _SOURCE_SPLIT.split(part.strip()) if t]
        if not tokens:
            raise DrawSeedError(f"rfc3797 seed {seed!r}: source {number} is empty")
        bad = [t for t in tokens if not t.isascii() or not t.isdigit()]
        if bad:
            raise DrawSeedError(
                f"rfc3797 seed {seed!r}: source {number} has {bad[0]!r}, which is not a "
                "non-negative integer; each source is a list of integers separated by "
                'spaces or commas, sources are separated by "/"'
            )
        sources.append([int(t) for t in tokens])
    return sources


def rfc3797_key(seed: str) -> str:
    """The RFC 3797 key string of a seed: each source's integers sorted ascending,
    each followed by ``.``, the source closed by ``/``.

    >>> rfc3797_key("9319/2 5 12 8 10/9 18 26 34 41 45")
    '9319./2.5.8.10.12./9.18.26.34.41.45./'
    """
    return "".join(
        "".join(f"{n}." for n in sorted(source)) + "/" for source in parse_rfc3797_seed(seed)
    )


def _sha256_hasher(seed: str, community_id: str, compound: str | None) -> Callable[[int], bytes]:
    prefix = f"{seed}|{community_id}|" if compound is None else f"{seed}|{community_id}|{compound}|"

    def digest(i: int) -> bytes:
        return hashlib.sha256(f"{prefix}{i}".encode()).digest()

    return digest


def _rfc3797_hasher(key: str) -> Callable[[int], bytes]:
    key_bytes = key.encode("ascii")

    def digest(i: int) -> bytes:
        index = i.to_bytes(2, "big")
        return hashlib.md5(index + key_bytes + index).digest()

    return digest


# --------------------------------------------------------------------------- picking


class _OrderedPool:
    """Positions 0..n-1 with O(log n) removal and "k-th still present" lookup.

    A Fenwick tree over presence flags: removing an element keeps the others in order,
    exactly like ``list.pop`` but without moving the list.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.size = n
        self.tree = [0] * (n + 1)
        for i in range(1, n + 1):
            self.tree[i] += 1
            parent = i + (i & -i)
            if parent <= n:
                self.tree[parent] += self.tree[i]
        self.present = [True] * n
        self.top = 1 << n.bit_length() if n else 0

    def remove(self, index: int) -> None:
        if not self.present[index]:
            return
        self.present[index] = False
        self.size -= 1
        i = index + 1
        while i <= self.n:
            self.tree[i] -= 1
            i += i & -i

    def kth(self, k: int) -> int:
        """Index of the k-th (0-based) element still present."""
        pos = 0
        step = self.top
        while step:
            nxt = pos + step
            if nxt <= self.n and self.tree[nxt] <= k:
                pos = nxt
                k -= self.tree[nxt]
            step >>= 1
        return pos  # the answer is tree slot pos + 1, i.e. 0-based index pos


@dataclass(frozen=True)
class _Pick:
    i: int
    hash: str
    pool_size: int
    position: int
    index: int  # row of the pool picked


def _pick(
    n: int,
    households: Sequence[str] | None,
    picks: int,
    digest: Callable[[int], bytes],
    first_i: int,
) -> list[_Pick]:
    """Draw up to ``picks`` rows from a pool of ``n`` in canonical order."""
    pool = _OrderedPool(n)
    members: dict[str, list[int]] = {}
    if households is not None:
        for index, household in enumerate(households):
            if household:
                members.setdefault(household, []).append(index)
    out: list[_Pick] = []
    i = first_i
    while len(out) < picks and pool.size > 0:
        raw = digest(i)
        position = int.from_bytes(raw, "big") % pool.size
        index = pool.kth(position)
        out.append(_Pick(i, raw.hex(), pool.size, position, index))
        pool.remove(index)
        if households is not None and households[index]:
            for other in members[households[index]]:
                pool.remove(other)
        i += 1
    return out


def _capacity(pool: pd.DataFrame, one_per_household: bool) -> int:
    if not one_per_household:
        return len(pool)
    household = _text(pool["household"])
    return int(household[household != ""].nunique() + (household == "").sum())


def largest_remainder(
    sizes: Mapping[str, int], seats: int, capacity: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Split ``seats`` over strata in proportion to ``sizes`` (Hamilton's method).

    Each stratum gets the integer part of ``seats * size / total``; the seats left go one
    each to the largest remainders, ties to the name that sorts first. A stratum never
    gets more than its ``capacity`` (default: its size); seats it cannot take are split
    again among the others, in proportion to their sizes. If all capacity together is
    less than ``seats``, every stratum gets its capacity. Exact integer arithmetic.
    """
    names = sorted(sizes)
    cap = {k: int(sizes[k]) if capacity is None else int(capacity[k]) for k in names}
    alloc = dict.fromkeys(names, 0)
    if seats <= 0:
        return alloc
    active = [k for k in names if cap[k] > 0]
    left = seats
    while left > 0 and active:
        total = sum(int(sizes[k]) for k in active)
        if total <= 0:  # capacity but zero weight: fill in name order
            for k in active:
                take = min(cap[k] - alloc[k], left)
                alloc[k] += take
                left -= take
            break
        share = {k: left * int(sizes[k]) // total for k in active}
        rest = left - sum(share.values())
        by_remainder = sorted(active, key=lambda k: (-(left * int(sizes[k]) % total), k))
        for k in by_remainder[:rest]:
            share[k] += 1
        over = [k for k in active if alloc[k] + share[k] >= cap[k]]
        if not any(alloc[k] + share[k] > cap[k] for k in over):
            for k in active:
                alloc[k] += share[k]
            left = 0
            break
        # fix the strata that would overflow at their capacity, split the rest again
        for k in over:
            left -= cap[k] - alloc[k]
            alloc[k] = cap[k]
        active = [k for k in active if k not in over]
    return alloc


# --------------------------------------------------------------------------- the draw


def _check_options(method: str, count: int, alternates: int, stratify: str | None) -> None:
    if method not in METHODS:
        raise DrawOptionError(f"unknown draw method {method!r}: use one of {', '.join(METHODS)}")
    if count < 0 or alternates < 0:
        raise DrawOptionError("count and alternates cannot be negative")
    if stratify is not None and stratify not in STRATIFY:
        raise DrawOptionError(f"cannot stratify by {stratify!r}: use {', '.join(STRATIFY)}")
    if method == "rfc3797" and count + alternates > _RFC3797_MAX_PICKS:
        raise DrawOptionError(
            f"rfc3797 numbers picks with 2 bytes: at most {_RFC3797_MAX_PICKS} per community"
        )


def _hasher_factory(seed: str, method: str) -> Callable[[str, str | None], Callable[[int], bytes]]:
    if method == "rfc3797":
        digest = _rfc3797_hasher(rfc3797_key(seed))
        return lambda _cid, _compound: digest
    if not seed or not seed.strip():
        raise DrawSeedError("the seed is empty: give a published value, e.g. a lottery number")
    return lambda cid, compound: _sha256_hasher(seed, cid, compound)


def draw(
    roster: pd.DataFrame,
    seed: str,
    *,
    method: str = "sha256",
    count: int = 30,
    alternates: int = 0,
    one_per_household: bool = False,
    stratify: str | None = None,
    communities: Iterable[str] | None = None,
) -> DrawResult:
    """Draw ``count`` representatives and ``alternates`` alternates per community.

    ``roster`` has the canonical columns community_id, resident_id, name, household,
    compound (text) and eligible (bool). Communities are drawn in sorted community_id
    order; ``communities`` adds communities with no roster rows (they come out short).
    Raises DrawOptionError / DrawSeedError for options or a seed that cannot be used.
    See the module docstring for the exact procedure.
    """
    _check_options(method, count, alternates, stratify)
    hasher = _hasher_factory(seed, method)
    first_i = 0 if method == "rfc3797" else 1
    pools = _pools(roster, communities)
    wanted = count + alternates
    rep_rows: list[tuple[str, int, str, str, str, str]] = []
    audit_rows: list[tuple[str, str, int, str, int, int, str, str]] = []
    short: list[tuple[str, int, int]] = []

    for cid, pool in pools.items():
        # strata: (compound label for the audit, hash compound or None, sub-pool, reps seats)
        strata: list[tuple[str, str | None, pd.DataFrame, int, int]] = []
        if stratify is None:
            strata.append(("", None, pool, count, alternates))
        else:
            parts = {str(k): g.reset_index(drop=True) for k, g in pool.groupby("compound")}
            sizes = {k: len(g) for k, g in parts.items()}
            caps = {k: _capacity(g, one_per_household) for k, g in parts.items()}
            rep_seats = largest_remainder(sizes, count, caps)
            alt_caps = {k: caps[k] - rep_seats[k] for k in parts}
            alt_seats = largest_remainder(sizes, alternates, alt_caps)
            for k in sorted(parts):
                if rep_seats[k] + alt_seats[k] > 0:
                    strata.append((k, k, parts[k], rep_seats[k], alt_seats[k]))

        picked_reps: list[tuple[str, str, str]] = []  # resident_id, name, compound
        picked_alts: list[tuple[str, str, str]] = []
        taken: set[str] = set()  # households picked in compounds drawn earlier
        for label, compound, stratum, n_reps, n_alts in strata:
            part = stratum
            if one_per_household and taken:
                part = stratum[~stratum["household"].isin(taken)].reset_index(drop=True)
            households = _text(part["household"]).tolist() if one_per_household else None
            picks = _pick(len(part), households, n_reps + n_alts, hasher(cid, compound), first_i)
            ids = part["resident_id"].tolist()
            names = part["name"].tolist()
            compounds = part["compound"].tolist()
            for number, p in enumerate(picks):
                role = ROLE_REP if number < n_reps else ROLE_ALTERNATE
                entry = (ids[p.index], names[p.index], compounds[p.index])
                (picked_reps if role == ROLE_REP else picked_alts).append(entry)
                if households is not None and households[p.index]:
                    taken.add(households[p.index])
                audit_rows.append(
                    (cid, label, p.i, p.hash, p.pool_size, p.position, ids[p.index], role)
                )
        for order, (rid, name, compound) in enumerate(picked_reps + picked_alts, start=1):
            role = ROLE_REP if order <= len(picked_reps) else ROLE_ALTERNATE
            rep_rows.append((cid, order, rid, name, role, compound))
        got = len(picked_reps) + len(picked_alts)
        if got < wanted:
            short.append((cid, wanted, got))

    reps = pd.DataFrame(rep_rows, columns=list(REPS_COLUMNS)).astype({"order": "int64"})
    audit = pd.DataFrame(audit_rows, columns=list(AUDIT_COLUMNS)).astype(
        {"i": "int64", "pool_size": "int64", "position": "int64"}
    )
    split = _split_households(pools) if one_per_household and stratify else []
    return DrawResult(
        reps=reps, audit=audit, pools=_pools_frame(pools), short=short, split_households=split
    )


def _split_households(pools: dict[str, pd.DataFrame]) -> list[tuple[str, str, list[str]]]:
    """Households of an eligible pool that live in more than one compound."""
    import pandas as pd

    if not pools:
        return []
    frame = pd.concat(
        [pool[["household", "compound"]].assign(community_id=cid) for cid, pool in pools.items()],
        ignore_index=True,
    )
    frame["household"] = _text(frame["household"])
    frame["compound"] = _text(frame["compound"])
    frame = frame[frame["household"] != ""].drop_duplicates()
    spread = frame.groupby(["community_id", "household"], sort=True)["compound"].agg(sorted)
    return [
        (cid, household, compounds)
        for (cid, household), compounds in spread.items()
        if len(compounds) > 1
    ]


# --------------------------------------------------------------------------- the record


def make_record(
    result: DrawResult,
    seed: str,
    method: str,
    count: int,
    alternates: int,
    one_per_household: bool,
    stratify: str | None,
    tool_version: str,
) -> dict[str, Any]:
    """The audit record saved beside reps.csv: everything needed to redo the draw."""
    pools = [
        {
            "community_id": str(row.community_id),
            "pool_size": int(row.pool_size),
            "fingerprint": str(row.fingerprint),
        }
        for row in result.pools.itertuples(index=False)
    ]
    return {
        "seed": seed,
        "method": method,
        "count": int(count),
        "alternates": int(alternates),
        "one_per_household": bool(one_per_household),
        "stratify": stratify,
        "pools": pools,
        "tool_version": tool_version,
    }


def _record_options(
    record: Mapping[str, Any], zh: bool = False
) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    missing = [k for k in RECORD_KEYS if k not in record and k != "tool_version"]
    if missing:
        if zh:
            return {}, [f"抽取记录（reps.draw.json）缺少以下项：{'、'.join(missing)}"]
        return {}, [f"the draw record lacks {', '.join(missing)}"]
    options: dict[str, Any] = {}
    seed = record["seed"]
    if not isinstance(seed, str):
        problems.append(
            f"抽取记录中的seed不是文本：{seed!r}"
            if zh
            else f"the draw record's seed is not text: {seed!r}"
        )
    options["seed"] = str(seed)
    options["method"] = str(record["method"])
    if options["method"] not in METHODS:
        problems.append(
            f"抽取记录中的method无效：{record['method']!r}"
            if zh
            else f"the draw record has an unknown method {record['method']!r}"
        )
    for key in ("count", "alternates"):
        value = record[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(
                f"抽取记录中的{key}不是大于等于0的整数：{value!r}"
                if zh
                else f"the draw record's {key} is not a whole number >= 0: {value!r}"
            )
        options[key] = value
    if not isinstance(record["one_per_household"], bool):
        problems.append(
            "抽取记录中的one_per_household不是true/false"
            if zh
            else "the draw record's one_per_household is not true/false"
        )
    options["one_per_household"] = bool(record["one_per_household"])
    stratify = record["stratify"]
    if stratify is not None and stratify not in STRATIFY:
        problems.append(
            f"抽取记录中的stratify无效：{stratify!r}"
            if zh
            else f"the draw record's stratify is unknown: {stratify!r}"
        )
    options["stratify"] = stratify
    pools = record["pools"]
    if not isinstance(pools, list) or not all(
        isinstance(p, Mapping) and {"community_id", "pool_size", "fingerprint"} <= set(p)
        for p in pools
    ):
        problems.append(
            "抽取记录中的pools不是{community_id, pool_size, fingerprint}的列表"
            if zh
            else "the draw record's pools is not a list of {community_id, pool_size, fingerprint}"
        )
    return options, problems


def _as_order(value: object) -> int | str:
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        with contextlib.suppress(ValueError):  # more digits than int() converts
            return int(text.split(".")[0])
    return text


def _order_key(entry: tuple[int | str, str, str]) -> tuple[int, int, str]:
    order = entry[0]
    return (0, order, "") if isinstance(order, int) else (1, 0, order)


_MAX_DIFFERENCES = 10  # named one by one in a detail; the rest are counted


_ROLES_ZH = {"rep": "代表", "alternate": "候补"}


def _compare(
    drawn: list[tuple[int | str, str, str]],
    given: list[tuple[int | str, str, str]],
    lang: str = "en",
) -> str:
    """Every difference between two (order, resident_id, role) lists, or "".

    The lists are matched by order, not by position: a row deleted from reps.csv is
    one difference (that order is missing), not a shift of every row after it. The
    differences are given in order, separated by "; ", at most ten of them by name.
    """
    mine: dict[int | str, tuple[str, str]] = {}
    for order, resident, role in drawn:
        mine[order] = (resident, role)
    theirs: dict[int | str, list[tuple[str, str]]] = {}
    for order, resident, role in given:
        theirs.setdefault(order, []).append((resident, role))
    keys = sorted(set(mine) | set(theirs), key=lambda o: _order_key((o, "", "")))
    out: list[str] = []
    if lang == "zh":
        return _compare_zh(mine, theirs, keys)
    for order in keys:
        d, g = mine.get(order), theirs.get(order, [])
        shown = order if order != "" else "(blank)"
        if len(g) > 1:
            listed = ", ".join(f"{r} ({role})" for r, role in g)
            out.append(f"order {shown}: reps.csv has {len(g)} rows ({listed})")
        elif d is None:
            r, role = g[0]
            out.append(f"order {shown}: reps.csv has {r} ({role}), the draw has no order {shown}")
        elif not g:
            out.append(f"order {shown}: missing from reps.csv, the draw gives {d[0]} ({d[1]})")
        elif g[0] != d:
            out.append(
                f"order {shown}: reps.csv has {g[0][0]} ({g[0][1]}), the draw gives {d[0]} ({d[1]})"
            )
    if len(out) > _MAX_DIFFERENCES:
        more = len(out) - _MAX_DIFFERENCES
        out = [*out[:_MAX_DIFFERENCES], f"and {more} more difference{'s' if more > 1 else ''}"]
    return "; ".join(out)


def _compare_zh(
    mine: dict[int | str, tuple[str, str]],
    theirs: dict[int | str, list[tuple[str, str]]],
    keys: list[int | str],
) -> str:
    """_compare's differences in Chinese, for the table a clerk reads."""

    def who(resident: str, role: str) -> str:
        return f"{resident}（{_ROLES_ZH.get(role, role)}）"

    out: list[str] = []
    for order in keys:
        d, g = mine.get(order), theirs.get(order, [])
        shown = f"顺序{order}" if order != "" else "顺序为空"
        if len(g) > 1:
            listed = "、".join(who(r, role) for r, role in g)
            out.append(f"{shown}：reps.csv中有{len(g)}行（{listed}）")
        elif d is None:
            out.append(f"{shown}：reps.csv中为{who(*g[0])}，抽取结果中没有此顺序")
        elif not g:
            out.append(f"{shown}：reps.csv中缺少，抽取结果为{who(*d)}")
        elif g[0] != d:
            out.append(f"{shown}：reps.csv中为{who(*g[0])}，抽取结果为{who(*d)}")
    if len(out) > _MAX_DIFFERENCES:
        more = len(out) - _MAX_DIFFERENCES
        out = [*out[:_MAX_DIFFERENCES], f"另有{more}处不同"]
    return "；".join(out)


def verify(
    roster: pd.DataFrame, reps: pd.DataFrame, record: Mapping[str, Any], lang: str = "en"
) -> VerifyResult:
    """Redo a draw from its record and the roster, and compare community by community.

    Status per community:
      - ``roster-changed``: the pool's size or fingerprint differs from the record (the
        roster was changed after the announcement), or the community is new;
      - ``missing``: reps.csv has no rows for a community the draw gives, or the
        community is in the record but no longer in the roster at all;
      - ``reps-differ``: reps.csv's (order, resident_id, role) rows differ from the draw;
      - ``match``.
    ``reps`` needs community_id, order, resident_id and role (text or numbers).
    ``lang`` "zh" words the details in Chinese (for the table; JSON keeps English).
    """
    zh = lang == "zh"
    empty_audit = pd.DataFrame({c: pd.Series(dtype=object) for c in AUDIT_COLUMNS})
    empty = pd.DataFrame({c: pd.Series(dtype=str) for c in VERIFY_COLUMNS})
    options, problems = _record_options(record, zh)
    if problems:
        return VerifyResult(empty, empty_audit, problems)
    recorded = {
        str(p["community_id"]): (int(p["pool_size"]), str(p["fingerprint"]))
        for p in record["pools"]
    }
    try:
        result = draw(
            roster,
            options["seed"],
            method=options["method"],
            count=options["count"],
            alternates=options["alternates"],
            one_per_household=options["one_per_household"],
            stratify=options["stratify"],
            communities=recorded,
        )
    except DrawOptionError as error:
        redo = "无法按抽取记录重新抽取" if zh else "the draw record cannot be redone"
        return VerifyResult(empty, empty_audit, [f"{redo}{'：' if zh else ': '}{error}"])

    in_roster = set(_community_ids(roster))
    current = {
        str(r.community_id): (int(r.pool_size), str(r.fingerprint))
        for r in result.pools.itertuples(index=False)
    }
    given_frame = pd.DataFrame(
        {c: _text(reps[c]) if c in reps.columns else "" for c in ("community_id", "resident_id")},
        index=reps.index,
    )
    given_frame["order"] = reps["order"].map(_as_order) if "order" in reps.columns else ""
    given_frame["role"] = (
        _text(reps["role"]).str.strip().str.lower() if "role" in reps.columns else ""
    )
    given_frame["resident_id"] = given_frame["resident_id"].str.strip()
    given_frame["community_id"] = given_frame["community_id"].str.strip()
    given: dict[str, list[tuple[int | str, str, str]]] = {}
    for row in given_frame.itertuples(index=False):
        given.setdefault(str(row.community_id), []).append(
            (row.order, str(row.resident_id), str(row.role))
        )
    for rows in given.values():
        rows.sort(key=_order_key)
    drawn: dict[str, list[tuple[int | str, str, str]]] = {}
    for row in result.reps.itertuples(index=False):
        drawn.setdefault(str(row.community_id), []).append(
            (int(row.order), str(row.resident_id), str(row.role))
        )

    statuses: list[tuple[str, str, str]] = []
    for cid in sorted(set(recorded) | set(current) | set(given)):
        if cid not in recorded:
            if cid in in_roster:
                statuses.append(
                    (
                        cid,
                        "roster-changed",
                        "抽取记录中没有该社区" if zh else "the community is not in the draw record",
                    )
                )
            else:
                statuses.append(
                    (
                        cid,
                        "reps-differ",
                        "reps.csv列有抽取记录中没有的社区"
                        if zh
                        else "reps.csv lists a community the draw record does not have",
                    )
                )
            continue
        if cid not in in_roster:
            statuses.append(
                (
                    cid,
                    "missing",
                    "居民名册中已没有该社区" if zh else "the community is no longer in the roster",
                )
            )
            continue
        (was_size, was_fp), (now_size, now_fp) = recorded[cid], current[cid]
        if (was_size, was_fp) != (now_size, now_fp):
            if zh:
                detail = (
                    f"抽取时符合条件{was_size}人（名册指纹{was_fp[:12]}），"
                    f"现在符合条件{now_size}人（名册指纹{now_fp[:12]}）"
                )
                if was_size == now_size:
                    detail += "：人数相同，但有人被替换、改了户号或换了小区"
            else:
                detail = (
                    f"the announced pool had {was_size} eligible residents "
                    f"(fingerprint {was_fp[:12]}), the roster now gives {now_size} "
                    f"(fingerprint {now_fp[:12]})"
                )
                if was_size == now_size:
                    detail += ": same size, but someone was swapped, re-housed or moved compound"
            statuses.append((cid, "roster-changed", detail))
            continue
        mine, theirs = drawn.get(cid, []), given.get(cid, [])
        if mine and not theirs:
            statuses.append(
                (
                    cid,
                    "missing",
                    "reps.csv中没有该社区的行" if zh else "reps.csv has no rows for this community",
                )
            )
            continue
        detail = _compare(mine, theirs, lang)
        statuses.append((cid, "reps-differ" if detail else "match", detail))
    frame = pd.DataFrame(statuses, columns=list(VERIFY_COLUMNS))
    return VerifyResult(communities=frame, audit=result.audit, problems=[])


# --------------------------------------------------------------------------- masking


# a hyphen as Chinese input methods type it (－ full-width, ‐ ‑ ﹣) parts a name as - does
_NAME_SEPARATORS = re.compile(r"(\s+|[·•・･．.\-－‐‑﹣])")
_WIDE = r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]"  # CJK ideographs and radicals
_WIDE_PADDING = re.compile(rf"(?<={_WIDE})\s+(?={_WIDE})")


def _is_wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


def _mask_part(part: str, first: bool = True) -> str:
    if not part:
        return part
    if _is_wide(part):
        if len(part) == 1:
            # a lone character after a separator (王-明) would otherwise stay in full
            return part if first else "*"
        if len(part) == 2:
            return part[0] + "*"
        return part[0] + "*" * (len(part) - 2) + part[-1]
    return part[0] + "*" * (len(part) - 1)


def mask_name(name: str) -> str:
    """Mask a name for public lists: 王小明 -> 王*明, 王明 -> 王*, 王 -> *,
    欧阳小明 -> 欧**明, "John Smith" -> "J*** S****".

    Chinese (wide) parts keep their first and, from three characters on, their last
    character; other words keep their first letter. Separators (spaces, ·) are kept.
    Spaces between two Chinese characters are padding, not a separator (clerks write
    李　明 to line two-character names up with three): they are dropped, 李　明 -> 李*,
    so that no two-character name is posted in full. A name of one character alone
    (separators aside) keeps none: 王 -> *, 王　 -> *　.
    """
    text = "" if name is None else str(name)
    text = _WIDE_PADDING.sub("", text)
    pieces = [p for p in _NAME_SEPARATORS.split(text) if p]
    parts = [p for p in pieces if not _NAME_SEPARATORS.fullmatch(p)]
    if len(parts) == 1 and len(parts[0]) == 1:
        # keeping its first character would post the whole name
        return "".join(piece if _NAME_SEPARATORS.fullmatch(piece) else "*" for piece in pieces)
    masked: list[str] = []
    seen_part = False
    for piece in pieces:
        if _NAME_SEPARATORS.fullmatch(piece):
            masked.append(piece)
        else:
            masked.append(_mask_part(piece, first=not seen_part))
            seen_part = True
    return "".join(masked)


def mask_id(resident_id: str) -> str:
    """Mask an ID: keep the first 2 and last 2 characters, stars between (at least one).

    Short IDs keep fewer characters so that at least one is hidden: ``NMF01-0042`` ->
    ``NM******42``, ``ABCD`` -> ``A**D``, ``AB`` -> ``**``.
    """
    text = "" if resident_id is None else str(resident_id)
    n = len(text)
    if n == 0:
        return ""
    keep = min(2, (n - 1) // 2)
    return text[:keep] + "*" * (n - 2 * keep) + text[n - keep :]


def mask_reps(reps: pd.DataFrame) -> pd.DataFrame:
    """A copy of a reps table for public posting (公示): names and IDs masked."""
    out = reps.copy()
    if "name" in out.columns:
        out["name"] = _text(out["name"]).map(mask_name)
    if "resident_id" in out.columns:
        out["resident_id"] = _text(out["resident_id"]).map(mask_id)
    return out
