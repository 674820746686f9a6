"""Tests for the pure core of the representative draw."""

from __future__ import annotations

import hashlib
import json
import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starcommunity.draw import (
    DrawOptionError,
    DrawSeedError,
    announce,
    canonical_pool,
    draw,
    largest_remainder,
    make_record,
    mask_id,
    mask_name,
    mask_reps,
    parse_rfc3797_seed,
    pool_fingerprint,
    rfc3797_key,
    verify,
)

RFC_SEED = "9319/2 5 12 8 10/9 18 26 34 41 45"
RFC_KEY = "9319./2.5.8.10.12./9.18.26.34.41.45./"


def make_roster(rows: list[tuple[str, str, str, str, bool]]) -> pd.DataFrame:
    """rows of (community_id, resident_id, household, compound, eligible)."""
    return pd.DataFrame(
        {
            "community_id": [r[0] for r in rows],
            "resident_id": [r[1] for r in rows],
            "name": [f"居民{r[1]}" for r in rows],
            "household": [r[2] for r in rows],
            "compound": [r[3] for r in rows],
            "eligible": [r[4] for r in rows],
        }
    )


def random_roster(seed: int, communities: int = 3, size: int = 60) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for c in range(communities):
        cid = f"NMF{c + 1:02d}"
        for _ in range(size):
            rid = f"{cid}-{rng.randrange(10000):04d}"
            rows.append(
                (
                    cid,
                    rid,
                    f"H{rng.randrange(size // 2)}" if rng.random() < 0.8 else "",
                    rng.choice(["东区", "西区", "北区", ""]),
                    rng.random() < 0.85,
                )
            )
    frame = make_roster(rows)
    return frame.drop_duplicates(["community_id", "resident_id"]).reset_index(drop=True)


def reference_sha256(
    roster: pd.DataFrame, seed: str, cid: str, picks: int, one_per_household: bool = False
) -> list[str]:
    """Straight-line re-implementation of SPEC 4, independent of the module."""
    rows = [
        (r.resident_id, r.household)
        for r in roster.itertuples(index=False)
        if r.community_id == cid and r.eligible
    ]
    pool = sorted(rows)
    out = []
    for i in range(1, picks + 1):
        if not pool:
            break
        h = int.from_bytes(hashlib.sha256(f"{seed}|{cid}|{i}".encode()).digest(), "big")
        rid, household = pool.pop(h % len(pool))
        out.append(rid)
        if one_per_household and household:
            pool = [p for p in pool if p[1] != household]
    return out


def picked(result_reps: pd.DataFrame, cid: str) -> list[str]:
    rows = result_reps[result_reps["community_id"] == cid].sort_values("order")
    return rows["resident_id"].tolist()


# --------------------------------------------------------------------------- pool


def test_canonical_pool_is_eligible_rows_in_code_point_order() -> None:
    ids = ["b", "a", "B", "é", "\uffff", "𠀀", "10", "9"]
    rows = [("C1", rid, "", "", True) for rid in ids]
    rows += [("C1", "zz-out", "", "", False), ("C2", "0", "", "", True)]
    pool = canonical_pool(make_roster(rows), "C1")
    assert pool["resident_id"].tolist() == sorted(ids)
    assert list(pool.index) == list(range(len(ids)))
    assert set(pool["community_id"]) == {"C1"}


def test_blank_eligible_counts_as_eligible() -> None:
    roster = make_roster([("C1", "a", "", "", True), ("C1", "b", "", "", False)])
    roster["eligible"] = [None, False]
    assert canonical_pool(roster, "C1")["resident_id"].tolist() == ["a"]


# --------------------------------------------------------------------------- sha256


@pytest.mark.parametrize("roster_seed", [1, 2, 3])
def test_sha256_matches_straight_line_reference(roster_seed: int) -> None:
    roster = random_roster(roster_seed)
    result = draw(roster, "彩票 2008-123", count=20, alternates=5)
    for cid in ["NMF01", "NMF02", "NMF03"]:
        assert picked(result.reps, cid) == reference_sha256(roster, "彩票 2008-123", cid, 25)
        roles = result.reps[result.reps["community_id"] == cid].sort_values("order")["role"]
        assert roles.tolist() == ["rep"] * 20 + ["alternate"] * 5
    assert result.short == []
    assert result.reps["community_id"].tolist() == sorted(result.reps["community_id"])


def test_audit_replays_with_list_pop() -> None:
    """Each audit position indexes the pool as it is after the earlier removals."""
    roster = random_roster(7, communities=1)
    result = draw(roster, "seed", count=15)
    pool = canonical_pool(roster, "NMF01")["resident_id"].tolist()
    for row in result.audit.itertuples(index=False):
        assert row.pool_size == len(pool)
        digest = hashlib.sha256(f"seed|NMF01|{row.i}".encode()).hexdigest()
        assert row.hash == digest
        assert row.position == int(digest, 16) % len(pool)
        assert pool.pop(row.position) == row.resident_id
    assert result.audit["i"].tolist() == list(range(1, 16))
    assert set(result.audit["compound"]) == {""}


def test_draw_is_reproducible_and_ignores_row_order() -> None:
    roster = random_roster(11)
    first = draw(roster, "S", count=10, alternates=2)
    again = draw(roster, "S", count=10, alternates=2)
    shuffled = draw(roster.sample(frac=1, random_state=5), "S", count=10, alternates=2)
    pd.testing.assert_frame_equal(first.reps, again.reps)
    pd.testing.assert_frame_equal(first.reps, shuffled.reps)
    pd.testing.assert_frame_equal(first.audit, shuffled.audit)
    other = draw(roster, "S2", count=10, alternates=2)
    assert not first.reps["resident_id"].equals(other.reps["resident_id"])


def test_reps_are_a_prefix_of_a_longer_draw() -> None:
    roster = random_roster(12, communities=1)
    short = draw(roster, "S", count=5)
    longer = draw(roster, "S", count=5, alternates=5)
    assert picked(longer.reps, "NMF01")[:5] == picked(short.reps, "NMF01")


def test_one_per_household_never_picks_two_from_a_household() -> None:
    rows = [("C1", f"r{n:03d}", f"H{n // 3}", "", True) for n in range(60)]
    rows += [("C1", f"s{n:03d}", "", "", True) for n in range(5)]  # own households
    roster = make_roster(rows)
    result = draw(roster, "S", count=30, alternates=10, one_per_household=True)
    chosen = result.reps.merge(roster[["resident_id", "household"]], on="resident_id")
    households = [h for h in chosen["household"] if h]
    assert len(households) == len(set(households))
    # 20 households + 5 loners: the pool runs out at 25
    assert len(result.reps) == 25
    assert result.short == [("C1", 40, 25)]
    assert picked(result.reps, "C1") == reference_sha256(roster, "S", "C1", 40, True)


def test_pool_too_small_takes_everyone_and_reports_short() -> None:
    rows = [("C1", f"r{n}", "", "", n < 5) for n in range(8)]
    rows += [("C2", "x", "", "", False)]
    roster = make_roster(rows)
    result = draw(roster, "S", count=30, communities=["C3"])
    assert sorted(picked(result.reps, "C1")) == [f"r{n}" for n in range(5)]
    assert result.short == [("C1", 30, 5), ("C2", 30, 0), ("C3", 30, 0)]
    assert result.pools["community_id"].tolist() == ["C1", "C2", "C3"]
    assert result.pools["pool_size"].tolist() == [5, 0, 0]


def test_empty_seed_and_bad_options_are_usage_errors() -> None:
    roster = random_roster(1)
    with pytest.raises(DrawSeedError):
        draw(roster, "")
    with pytest.raises(DrawSeedError):
        draw(roster, "  ")
    with pytest.raises(DrawOptionError):
        draw(roster, "S", method="md5")
    with pytest.raises(DrawOptionError):
        draw(roster, "S", count=-1)
    with pytest.raises(DrawOptionError):
        draw(roster, "S", stratify="household")
    assert issubclass(DrawSeedError, ValueError)


# --------------------------------------------------------------------------- rfc3797


def test_rfc3797_key_string() -> None:
    assert rfc3797_key(RFC_SEED) == RFC_KEY
    assert rfc3797_key("9319 / 2,5,12,8,10 / 9 18 26 34 41 45/") == RFC_KEY
    assert rfc3797_key("007/３ 1") == "7./1.3./"
    assert parse_rfc3797_seed(RFC_SEED) == [[9319], [2, 5, 12, 8, 10], [9, 18, 26, 34, 41, 45]]


@pytest.mark.parametrize("seed", ["", "  ", "/", "1//2", "1/a b", "1.5/2", "-3", "1/2//"])
def test_rfc3797_bad_seed(seed: str) -> None:
    with pytest.raises(DrawSeedError):
        rfc3797_key(seed)
    with pytest.raises(DrawSeedError):
        draw(random_roster(1), seed, method="rfc3797")


def test_rfc3797_worked_example() -> None:
    """RFC 3797 section 6: 25 volunteers numbered 1..25, ten selected."""
    rows = [("IETF", f"{n:02d}", "", "", True) for n in range(1, 26)]
    result = draw(make_roster(rows), RFC_SEED, method="rfc3797", count=10)
    assert [int(r) for r in picked(result.reps, "IETF")] == [17, 7, 2, 16, 25, 23, 8, 24, 19, 13]
    # the MD5 values printed in the RFC
    assert result.audit["hash"].str.upper().tolist()[:3] == [
        "990DD0A5692A029A98B5E01AA28F3459",
        "3691E55CB63FCC37914430B2F70B5EC6",
        "FE814EDF564C190AC1D25753979990FA",
    ]
    assert result.audit["i"].tolist() == list(range(10))
    assert result.audit["pool_size"].tolist() == list(range(25, 15, -1))


def test_rfc3797_same_key_every_community() -> None:
    rows = [(cid, f"{n:02d}", "", "", True) for cid in ("A", "B") for n in range(1, 26)]
    result = draw(make_roster(rows), RFC_SEED, method="rfc3797", count=10)
    assert picked(result.reps, "A") == picked(result.reps, "B")


# --------------------------------------------------------------------------- strata


def test_largest_remainder_hand_example() -> None:
    # quotas 3.5, 2.1, 1.4 -> 3, 2, 1 and the one seat left to the largest remainder (.5)
    assert largest_remainder({"A": 50, "B": 30, "C": 20}, 7) == {"A": 4, "B": 2, "C": 1}
    # quotas 1.5, 0.9, 0.6 -> 1, 0, 0; two seats left: B (.9) and C (.6)
    assert largest_remainder({"A": 50, "B": 30, "C": 20}, 3) == {"A": 1, "B": 1, "C": 1}
    # tie in remainders goes to the name that sorts first
    assert largest_remainder({"乙": 10, "甲": 10}, 3) == {"乙": 2, "甲": 1}
    assert largest_remainder({"B": 10, "A": 10}, 3) == {"A": 2, "B": 1}
    assert largest_remainder({"A": 5, "B": 5}, 0) == {"A": 0, "B": 0}


def test_largest_remainder_respects_capacity() -> None:
    # B can take only 1 seat: its spare 2 go to A
    assert largest_remainder({"A": 5, "B": 5}, 6, {"A": 5, "B": 1}) == {"A": 5, "B": 1}
    # 70/20/10 of 10 seats with A capped at 4: 6 left over B, C (2:1) -> 4, 2
    assert largest_remainder({"A": 70, "B": 20, "C": 10}, 10, {"A": 4, "B": 20, "C": 10}) == {
        "A": 4,
        "B": 4,
        "C": 2,
    }
    # more seats than room: everyone full
    assert largest_remainder({"A": 2, "B": 3}, 10) == {"A": 2, "B": 3}


def test_stratified_draw() -> None:
    rows = [("C1", f"a{n:03d}", "", "东区", True) for n in range(50)]
    rows += [("C1", f"b{n:03d}", "", "西区", True) for n in range(30)]
    rows += [("C1", f"c{n:03d}", "", "北区", True) for n in range(20)]
    roster = make_roster(rows)
    result = draw(roster, "S", count=7, alternates=3, stratify="compound")
    reps = result.reps
    assert reps["order"].tolist() == list(range(1, 11))
    rep_rows = reps[reps["role"] == "rep"]
    alt_rows = reps[reps["role"] == "alternate"]
    assert rep_rows["compound"].value_counts().to_dict() == {"东区": 4, "西区": 2, "北区": 1}
    assert alt_rows["compound"].value_counts().to_dict() == {"东区": 1, "西区": 1, "北区": 1}
    # ordered by compound name then pick order, reps first
    assert rep_rows["compound"].tolist() == sorted(rep_rows["compound"])
    assert alt_rows["compound"].tolist() == sorted(alt_rows["compound"])
    assert reps["role"].tolist() == ["rep"] * 7 + ["alternate"] * 3
    # the east compound drawn on its own with the compound in the hash input
    east = sorted(f"a{n:03d}" for n in range(50))
    expected = []
    for i in range(1, 6):
        h = int.from_bytes(hashlib.sha256(f"S|C1|东区|{i}".encode()).digest(), "big")
        expected.append(east.pop(h % len(east)))
    got = reps[reps["compound"] == "东区"]["resident_id"].tolist()
    assert got == expected
    audit_east = result.audit[result.audit["compound"] == "东区"]
    assert audit_east["i"].tolist() == [1, 2, 3, 4, 5]
    assert audit_east["role"].tolist() == ["rep"] * 4 + ["alternate"]


def test_stratified_small_compound_redistributes() -> None:
    rows = [("C1", f"a{n:02d}", "", "A", True) for n in range(10)]
    rows += [("C1", "b00", "", "B", True)]
    result = draw(make_roster(rows), "S", count=11, stratify="compound")
    assert len(result.reps) == 11
    assert result.short == []
    result = draw(make_roster(rows), "S", count=12, stratify="compound")
    assert result.short == [("C1", 12, 11)]


def test_a_household_in_two_compounds_is_named_when_drawn_one_per_household() -> None:
    """H1 has members in compounds A and B: drawn one per household by compound, its
    pick in A takes it out of B, and a seat can stay empty though four households
    could fill four seats. The household is named, so the roster can be mended."""
    rows = [
        ("C1", "R01", "H1", "A", True),
        ("C1", "R02", "H2", "A", True),
        ("C1", "R03", "H3", "A", True),
        ("C1", "R04", "H1", "B", True),
        ("C1", "R05", "H5", "B", True),
        ("C1", "R06", "H1", "B", True),
        ("C1", "R07", "H7", "B", False),  # not eligible: not in the pool
        ("C2", "S01", "H1", "A", True),  # another community's H1
        ("C2", "S02", "", "B", True),  # no household: a household of its own
        ("C2", "S03", "", "A", True),
    ]
    roster = make_roster(rows)
    shorts = set()
    for seed in ("s1", "s2", "s3", "s4", "s5", "s6"):
        result = draw(roster, seed, count=4, one_per_household=True, stratify="compound")
        assert result.split_households == [("C1", "H1", ["A", "B"])]
        shorts.update(result.short)
    assert ("C1", 4, 3) in shorts  # some seeds leave a seat empty
    # without stratifying, or without one per household, no household is split
    assert draw(roster, "s1", count=4, one_per_household=True).split_households == []
    assert draw(roster, "s1", count=4, stratify="compound").split_households == []


# --------------------------------------------------------------------------- fingerprint


def test_fingerprint_definition() -> None:
    roster = make_roster(
        [("C1", "b", "H1", "东区", True), ("C1", "a", "", "西区", True), ("C1", "c", "", "", False)]
    )
    text = "a\t\t西区\nb\tH1\t东区\n"
    assert (
        pool_fingerprint(canonical_pool(roster, "C1"))
        == hashlib.sha256(text.encode("utf-8")).hexdigest()
    )
    empty = canonical_pool(roster, "C9")
    assert pool_fingerprint(empty) == hashlib.sha256(b"").hexdigest()


def test_fingerprint_tracks_pool_membership_not_row_order_or_names() -> None:
    roster = random_roster(3)
    base = announce(roster)
    shuffled = announce(roster.sample(frac=1, random_state=1))
    pd.testing.assert_frame_equal(base, shuffled)

    renamed = roster.copy()
    renamed["name"] = "张三"
    pd.testing.assert_frame_equal(base, announce(renamed))

    added = pd.concat([roster, make_roster([("NMF01", "NMF01-new", "", "", True)])])
    changed = announce(added)
    assert changed.loc[0, "fingerprint"] != base.loc[0, "fingerprint"]
    assert changed.loc[0, "pool_size"] == base.loc[0, "pool_size"] + 1
    assert changed.loc[1:, "fingerprint"].tolist() == base.loc[1:, "fingerprint"].tolist()

    eligible_index = roster.index[(roster["community_id"] == "NMF02") & roster["eligible"]][0]
    removed = announce(roster.drop(index=eligible_index))
    assert removed.loc[1, "fingerprint"] != base.loc[1, "fingerprint"]

    rehoused = roster.copy()
    rehoused.loc[eligible_index, "household"] = "H-new"
    assert announce(rehoused).loc[1, "fingerprint"] != base.loc[1, "fingerprint"]

    assert list(base.columns) == ["community_id", "pool_size", "fingerprint"]
    pd.testing.assert_frame_equal(base, draw(roster, "S", count=3).pools)


# --------------------------------------------------------------------------- verify


def genuine(roster: pd.DataFrame, **options: object) -> tuple[pd.DataFrame, dict]:
    params = {
        "method": "sha256",
        "count": 10,
        "alternates": 2,
        "one_per_household": False,
        "stratify": None,
        **options,
    }
    seed = "2008-11-20 福彩3D 123" if params["method"] == "sha256" else RFC_SEED
    result = draw(
        roster,
        seed,
        method=params["method"],
        count=params["count"],
        alternates=params["alternates"],
        one_per_household=params["one_per_household"],
        stratify=params["stratify"],
    )
    record = make_record(result, seed, tool_version="0.1.0", **params)
    # the record goes through JSON and reps.csv is read back as text
    record = json.loads(json.dumps(record, ensure_ascii=False))
    reps = result.reps.astype({"order": str})
    return reps, record


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"method": "rfc3797"},
        {"one_per_household": True},
        {"stratify": "compound", "one_per_household": True},
    ],
)
def test_verify_passes_the_genuine_draw(options: dict) -> None:
    roster = random_roster(5)
    reps, record = genuine(roster, **options)
    outcome = verify(roster, reps, record)
    assert outcome.ok, outcome.communities
    assert outcome.communities["status"].tolist() == ["match"] * 3
    assert len(outcome.audit) == 36
    # row order in reps.csv does not matter
    assert verify(roster, reps.sample(frac=1, random_state=2), record).ok


def test_verify_detects_swapped_reps() -> None:
    roster = random_roster(5)
    reps, record = genuine(roster)
    tampered = reps.copy()
    first = tampered.index[(tampered["community_id"] == "NMF02") & (tampered["order"] == "3")][0]
    alt = tampered.index[(tampered["community_id"] == "NMF02") & (tampered["order"] == "11")][0]
    a, b = tampered.loc[first, "resident_id"], tampered.loc[alt, "resident_id"]
    tampered.loc[first, "resident_id"], tampered.loc[alt, "resident_id"] = b, a
    outcome = verify(roster, tampered, record)
    assert not outcome.ok
    status = outcome.communities.set_index("community_id")
    assert status.loc["NMF01", "status"] == "match"
    assert status.loc["NMF02", "status"] == "reps-differ"
    assert status.loc["NMF02", "detail"] == (
        f"order 3: reps.csv has {b} (rep), the draw gives {a} (rep); "
        f"order 11: reps.csv has {a} (alternate), the draw gives {b} (alternate)"
    )


def test_verify_detects_role_change_and_extra_rows() -> None:
    roster = random_roster(5)
    reps, record = genuine(roster)
    promoted = reps.copy()
    promoted.loc[promoted["order"] == "11", "role"] = "rep"
    assert "order 11" in verify(roster, promoted, record).communities.loc[0, "detail"]
    extra = pd.concat([reps, reps.iloc[[0]].assign(order="13", resident_id="X")])
    detail = verify(roster, extra, record).communities.loc[0, "detail"]
    assert detail.startswith("order 13: reps.csv has X")


def test_verify_detects_a_changed_roster() -> None:
    roster = random_roster(5)
    reps, record = genuine(roster)
    changed = pd.concat([roster, make_roster([("NMF03", "NMF03-0000", "", "", True)])])
    outcome = verify(changed, reps, record)
    status = outcome.communities.set_index("community_id")["status"].to_dict()
    assert status == {"NMF01": "match", "NMF02": "match", "NMF03": "roster-changed"}

    flipped = roster.copy()
    flipped.loc[flipped["community_id"] == "NMF01", "eligible"] = True
    if not roster["eligible"][roster["community_id"] == "NMF01"].all():
        assert verify(flipped, reps, record).communities.loc[0, "status"] == "roster-changed"


def test_verify_missing_and_bad_record() -> None:
    roster = random_roster(5)
    reps, record = genuine(roster)
    outcome = verify(roster, reps[reps["community_id"] != "NMF02"], record)
    status = outcome.communities.set_index("community_id")["status"].to_dict()
    assert status["NMF02"] == "missing"
    gone = verify(roster[roster["community_id"] != "NMF03"], reps, record)
    assert gone.communities.set_index("community_id").loc["NMF03", "status"] == "missing"

    broken = dict(record)
    del broken["seed"]
    outcome = verify(roster, reps, broken)
    assert not outcome.ok and outcome.problems
    broken = dict(record, method="rfc3797")  # the sha256 seed is not an rfc3797 seed
    outcome = verify(roster, reps, broken)
    assert not outcome.ok and "cannot be redone" in outcome.problems[0]


# --------------------------------------------------------------------------- masking


def test_mask_name() -> None:
    assert mask_name("王小明") == "王*明"
    assert mask_name("王明") == "王*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("John Smith") == "J*** S****"
    assert mask_name("阿依古丽·买买提") == "阿**丽·买*提"
    assert mask_name("") == ""
    assert mask_name("李\u3000明") == "李*"  # padding, not two names
    assert mask_name("阿卜杜·热合曼") == "阿*杜·热*曼"
    assert mask_name("王-明") == "王-*"


@pytest.mark.parametrize("hyphen", ["-", "\uff0d", "\u2010", "\u2011", "\ufe63"])
@pytest.mark.parametrize("dot", ["·", "・", "\uff65"])
def test_mask_name_parts_a_name_at_any_hyphen_or_dot(hyphen: str, dot: str) -> None:
    """A full-width hyphen (as a Chinese input method types it) parts a name as - does:
    王－明 was masked as one word, 王*明, where 王-明 is 王-*."""
    assert mask_name(f"王{hyphen}明") == f"王{hyphen}*"
    assert mask_name(f"阿卜杜拉{hyphen}买买提") == f"阿**拉{hyphen}买*提"
    assert mask_name(f"阿依古丽{dot}买买提") == f"阿**丽{dot}买*提"


def test_mask_name_hides_a_one_character_name() -> None:
    """A name of one character was posted in full on the notice (王 -> 王): a
    two-character name keeps its first character, so a one-character name keeps none.
    Separators and padding around it stay as they are, as for any other name."""
    assert mask_name("王") == "*"
    assert mask_name("J") == "*"
    assert mask_name("王\u3000") == "*\u3000"  # padded with a full-width space
    assert mask_name("\u3000王") == "\u3000*"
    assert mask_name(" 王 ") == " * "
    assert mask_name("-王") == "-*"
    assert "王" not in mask_name("王\u3000") + mask_name("\u3000王") + mask_name(" 王 ")
    # a one-character word among others is an initial, kept like any first character
    assert mask_name("J Smith") == "J S****"
    assert mask_name("王-明") == "王-*"
    # blank names: nothing to hide, and no crash
    assert mask_name("") == ""
    assert mask_name("   ") == "   "
    assert mask_name("\u3000") == "\u3000"
    assert mask_name(None) == ""  # type: ignore[arg-type]


def test_mask_id() -> None:
    assert mask_id("NMF01-0042") == "NM******42"
    assert mask_id("ABCDE") == "AB*DE"
    assert mask_id("ABCD") == "A**D"
    assert mask_id("ABC") == "A*C"
    assert mask_id("AB") == "**"
    assert mask_id("A") == "*"
    assert mask_id("") == ""


def test_mask_reps() -> None:
    reps = pd.DataFrame({"resident_id": ["NMF01-0042"], "name": ["王小明"], "role": ["rep"]})
    masked = mask_reps(reps)
    assert masked.iloc[0].tolist() == ["NM******42", "王*明", "rep"]
    assert reps.loc[0, "name"] == "王小明"


# --------------------------------------------------------------------------- property


resident = st.tuples(
    st.sampled_from(["C1", "C2"]),
    st.text(alphabet="ab01王", min_size=1, max_size=4),
    st.sampled_from(["", "H1", "H2", "H3"]),
    st.sampled_from(["", "东区", "西区"]),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(resident, max_size=40, unique_by=lambda r: (r[0], r[1])),
    count=st.integers(0, 12),
    alternates=st.integers(0, 4),
    method=st.sampled_from(["sha256", "rfc3797"]),
    stratify=st.sampled_from([None, "compound"]),
    one_per_household=st.booleans(),
)
def test_draw_properties(
    rows: list[tuple[str, str, str, str, bool]],
    count: int,
    alternates: int,
    method: str,
    stratify: str | None,
    one_per_household: bool,
) -> None:
    roster = make_roster(rows)
    seed = "1 2 3/45" if method == "rfc3797" else "seed"
    result = draw(
        roster,
        seed,
        method=method,
        count=count,
        alternates=alternates,
        stratify=stratify,
        one_per_household=one_per_household,
    )
    eligible = {(r[0], r[1]) for r in rows if r[4]}
    chosen = list(zip(result.reps["community_id"], result.reps["resident_id"], strict=True))
    assert len(chosen) == len(set(chosen))
    assert set(chosen) <= eligible
    short = {cid: (wanted, got) for cid, wanted, got in result.short}
    for cid in {r[0] for r in rows}:
        mine = result.reps[result.reps["community_id"] == cid]
        pool = [r for r in rows if r[0] == cid and r[4]]
        units = len(pool)
        if one_per_household:
            units = len({r[2] for r in pool if r[2]}) + sum(1 for r in pool if not r[2])
        if stratify and one_per_household:  # a household may span compounds
            assert len(mine) <= min(units, count + alternates)
        else:
            assert len(mine) == min(units, count + alternates)
        assert mine["order"].tolist() == list(range(1, len(mine) + 1))
        if stratify and one_per_household:
            # a compound emptied by a household from another compound leaves its seats
            # unfilled while another compound still fills its alternate seats (documented)
            assert (mine["role"] == "rep").sum() <= min(count, len(mine))
        else:
            assert (mine["role"] == "rep").sum() == min(count, len(mine))
        if len(mine) < count + alternates:
            assert short[cid] == (count + alternates, len(mine))
        if one_per_household:
            picked_households = [r[2] for r in pool if r[1] in set(mine["resident_id"]) and r[2]]
            assert len(picked_households) == len(set(picked_households))
    outcome = verify(
        roster,
        result.reps,
        make_record(result, seed, method, count, alternates, one_per_household, stratify, "t"),
    )
    assert outcome.ok
