"""draw-reps, verify-draw and notice through the command line, on copies of samples/2008."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from starcommunity.draw import announce, draw, make_record
from starcommunity.io.year import load_year
from tests.conftest import run

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SEED = "2008-11-25 双色球 2008138"
OTHER_SEED = "2008-11-26 双色球 2008139"
RFC_SEED = "9319/2 5 12 8 10/9 18 26 34 41 45"
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def root(root_2008_only: Path) -> Path:
    return root_2008_only


@pytest.fixture
def fresh(root: Path) -> Path:
    """The sample year before the draw: no reps.csv, no record."""
    (root / "2008" / "reps.csv").unlink()
    (root / "2008" / "reps.draw.json").unlink(missing_ok=True)
    return root


def draw_args(root: Path, *extra: str, seed: str = SEED) -> list[str]:
    return ["draw-reps", "--root", str(root), "--year", "2008", "--seed", seed, *extra]


def read_reps(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def write_reps(path: Path, rows: list[dict[str, str]]) -> None:
    """reps.csv as draw-reps writes it (UTF-8 with BOM), after a clerk's edit."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(BOM + buffer.getvalue().encode("utf-8"))


def folder_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def roster_lines(root: Path) -> list[str]:
    return (root / "2008" / "roster.csv").read_bytes().decode("utf-8-sig").splitlines()


def write_roster(root: Path, lines: list[str]) -> None:
    (root / "2008" / "roster.csv").write_bytes(BOM + ("\n".join(lines) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- draw-reps


def test_draw_on_fresh_roster_is_the_core_draw(fresh: Path) -> None:
    result = run(*draw_args(fresh, "--count", "30", "--alternates", "3", "--format", "json"))
    assert result.exit_code == 0, result.stderr
    folder = fresh / "2008"
    raw = (folder / "reps.csv").read_bytes()
    assert raw.startswith(BOM)  # Excel on Windows needs it

    data, _ = load_year(fresh, "2008", scores=False)
    assert data.roster is not None
    core = draw(data.roster, SEED, count=30, alternates=3)
    expected = [
        {k: str(v) for k, v in row.items()}
        for row in core.reps[["community_id", "order", "resident_id", "name", "role"]].to_dict(
            "records"
        )
    ]
    assert read_reps(folder / "reps.csv") == expected

    record = json.loads((folder / "reps.draw.json").read_text("utf-8"))
    wanted = make_record(core, SEED, "sha256", 30, 3, False, None, record["tool_version"])
    assert record == wanted
    assert record["tool_version"].startswith("starcommunity ")

    summary = json.loads(result.stdout)
    assert summary["seed"] == SEED and summary["method"] == "sha256"
    by_id = {c["community_id"]: c for c in summary["communities"]}
    pools = {r.community_id: r for r in core.pools.itertuples()}
    assert set(by_id) == set(pools)
    for cid, row in by_id.items():
        assert row["pool_size"] == pools[cid].pool_size
        assert row["fingerprint"] == pools[cid].fingerprint
        assert (row["reps"], row["alternates"], row["short"]) == (30, 3, 0)
    # the summary carries no personal names
    names = {r["name"] for r in expected}
    assert not any(name in result.stdout for name in names)


def test_draw_reproduces_the_bundled_sample_draw(root: Path) -> None:
    before = read_reps(root / "2008" / "reps.csv")
    result = run(*draw_args(root, "--alternates", "3", "--force", "--format", "csv"))
    assert result.exit_code == 0, result.stderr
    assert read_reps(root / "2008" / "reps.csv") == before
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["community_id"] for r in rows] == [f"NMF0{n}" for n in range(1, 10)]
    assert list(rows[0]) == [
        "community_id",
        "pool_size",
        "fingerprint",
        "reps",
        "alternates",
        "short",
    ]


def test_table_output_masks_names(fresh: Path) -> None:
    result = run(*draw_args(fresh, "--alternates", "3"))
    assert result.exit_code == 0, result.stderr
    reps = read_reps(fresh / "2008" / "reps.csv")
    full = [r["name"] for r in reps if len(r["name"]) >= 2]
    assert full
    assert not [name for name in full if name in result.stdout]
    assert not [r["resident_id"] for r in reps if r["resident_id"] in result.stdout]
    assert "*" in result.stdout


def test_second_draw_is_refused_and_leaves_reps_byte_identical(fresh: Path) -> None:
    assert run(*draw_args(fresh, "--alternates", "3")).exit_code == 0
    folder = fresh / "2008"
    before = folder_hashes(folder)
    result = run(*draw_args(fresh, "--alternates", "3", seed=OTHER_SEED))
    assert result.exit_code == 1
    assert "reps.csv already exists" in result.stderr
    assert SEED in result.stderr  # names the seed of the draw it protects
    assert "--force" in result.stderr and "draws/" in result.stderr
    assert folder_hashes(folder) == before
    assert not (folder / "draws").exists()


def test_force_archives_the_earlier_draw(fresh: Path) -> None:
    assert run(*draw_args(fresh, "--alternates", "3")).exit_code == 0
    folder = fresh / "2008"
    old_reps = (folder / "reps.csv").read_bytes()
    old_record = (folder / "reps.draw.json").read_bytes()
    result = run(*draw_args(fresh, "--alternates", "3", "--force", seed=OTHER_SEED))
    assert result.exit_code == 0, result.stderr
    archived = sorted((folder / "draws").iterdir())
    assert [p.name.split(".", 2)[2] for p in archived] == ["csv", "draw.json"]
    assert {p.read_bytes() for p in archived} == {old_reps, old_record}
    assert (folder / "reps.csv").read_bytes() != old_reps
    assert json.loads((folder / "reps.draw.json").read_text("utf-8"))["seed"] == OTHER_SEED
    # a third draw archives again without clobbering the first archive
    assert run(*draw_args(fresh, "--force")).exit_code == 0
    assert len(list((folder / "draws").iterdir())) == 4


def test_force_archives_a_chinese_named_reps_file(root: Path) -> None:
    folder = root / "2008"
    (folder / "reps.csv").rename(folder / "代表名单.csv")
    assert run(*draw_args(root, "--alternates", "3")).exit_code == 1
    assert run(*draw_args(root, "--alternates", "3", "--force")).exit_code == 0
    assert not (folder / "代表名单.csv").exists()  # else two reps files: ambiguous
    archived = sorted(p.name for p in (folder / "draws").iterdir())
    assert [name.split(".")[0] for name in archived] == ["reps", "代表名单"]  # record + reps
    assert run("verify-draw", "--root", str(root), "--year", "2008").exit_code == 0


@pytest.mark.parametrize(
    ("method", "seed"),
    [("sha256", ""), ("sha256", "   "), ("rfc3797", "abc"), ("rfc3797", "1 2/x")],
)
def test_bad_seed_is_a_usage_error(fresh: Path, method: str, seed: str) -> None:
    result = run(*draw_args(fresh, "--method", method, seed=seed))
    assert result.exit_code == 2
    assert "seed" in result.stderr
    assert not (fresh / "2008" / "reps.csv").exists()


def test_missing_seed_and_unknown_method_are_usage_errors(fresh: Path) -> None:
    assert run("draw-reps", "--root", str(fresh), "--year", "2008").exit_code == 2
    assert run(*draw_args(fresh, "--method", "md5")).exit_code == 2
    assert run(*draw_args(fresh, "--count", "-1")).exit_code == 2
    assert run("draw-reps", "--root", str(fresh), "--year", "1999", "--seed", "s").exit_code == 2


def test_rfc3797_via_the_cli_gives_the_rfc_example(tmp_path: Path) -> None:
    folder = tmp_path / "2008"
    folder.mkdir()
    (folder / "communities.csv").write_text("community_id,name,area\nIETF,NomCom,Internet\n")
    lines = ["community_id,resident_id,name"] + [f"IETF,{n:02d},V{n}" for n in range(1, 26)]
    (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    result = run(
        "draw-reps",
        "--root",
        str(tmp_path),
        "--year",
        "2008",
        "--method",
        "rfc3797",
        "--seed",
        RFC_SEED,
        "--count",
        "10",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    picked = [int(r["resident_id"]) for r in read_reps(folder / "reps.csv")]
    assert picked == [17, 7, 2, 16, 25, 23, 8, 24, 19, 13]  # RFC 3797 section 6
    verify = run("verify-draw", "--root", str(tmp_path), "--year", "2008", "--audit", "-f", "json")
    assert verify.exit_code == 0, verify.stderr
    audit = json.loads(verify.stdout)["audit"]
    assert audit[0]["hash"].upper() == "990DD0A5692A029A98B5E01AA28F3459"


def test_small_pool_takes_everyone_with_a_warning(fresh: Path) -> None:
    lines = roster_lines(fresh)
    small = [line for line in lines if not line.startswith("NMF09,")]
    small += [line for line in lines if line.startswith("NMF09,")][:5]
    write_roster(fresh, small)
    result = run(*draw_args(fresh, "--alternates", "3", "--format", "json"))
    assert result.exit_code == 0, result.stderr
    assert "NMF09" in result.stderr and "Warning" in result.stderr
    row = next(c for c in json.loads(result.stdout)["communities"] if c["community_id"] == "NMF09")
    eligible = row["pool_size"]
    assert eligible <= 5
    assert row["reps"] + row["alternates"] == eligible
    assert row["short"] == 33 - eligible
    drawn = [r for r in read_reps(fresh / "2008" / "reps.csv") if r["community_id"] == "NMF09"]
    assert len(drawn) == eligible


def test_roster_error_stops_the_draw(fresh: Path) -> None:
    lines = roster_lines(fresh)
    lines[5] = lines[5].rsplit(",", 1)[0] + ",maybe"
    write_roster(fresh, lines)
    result = run(*draw_args(fresh))
    assert result.exit_code == 1
    assert "bad-eligible" in result.stderr
    assert not (fresh / "2008" / "reps.csv").exists()


def test_an_error_elsewhere_does_not_stop_the_draw(fresh: Path) -> None:
    (fresh / "2008" / "flags.csv").write_text("community_id,flag\nNMF01,not a flag\n")
    assert run(*draw_args(fresh)).exit_code == 0


# --------------------------------------------------------------------------- announce


def test_announce_writes_pools_and_fixes_the_roster(fresh: Path) -> None:
    folder = fresh / "2008"
    result = run("draw-reps", "--root", str(fresh), "--year", "2008", "--announce", "-f", "json")
    assert result.exit_code == 0, result.stderr
    raw = (folder / "announce.csv").read_bytes()
    assert raw.startswith(BOM)
    rows = read_reps(folder / "announce.csv")
    data, _ = load_year(fresh, "2008", scores=False)
    assert data.roster is not None
    expected = announce(data.roster)
    assert [(r["community_id"], int(r["pool_size"]), r["fingerprint"]) for r in rows] == [
        (r.community_id, r.pool_size, r.fingerprint) for r in expected.itertuples()
    ]
    assert rows[0]["name"] == "欢乐谷社区"
    assert json.loads(result.stdout)["communities"][0]["fingerprint"] == rows[0]["fingerprint"]
    assert "before the seed" in result.stderr

    # announcing again with the same roster is harmless
    again = run("draw-reps", "--root", str(fresh), "--year", "2008", "--announce")
    assert again.exit_code == 0 and (folder / "announce.csv").read_bytes() == raw

    # the roster changes after the announcement: no silent re-announce, and no draw
    lines = roster_lines(fresh)
    write_roster(fresh, [line for line in lines if not line.startswith("NMF02,NMF02-0001,")])
    changed = run("draw-reps", "--root", str(fresh), "--year", "2008", "--announce")
    assert changed.exit_code == 1 and "--force" in changed.stderr
    assert (folder / "announce.csv").read_bytes() == raw
    refused = run(*draw_args(fresh))
    assert refused.exit_code == 1
    assert "NMF02" in refused.stderr and "announce" in refused.stderr
    assert not (folder / "reps.csv").exists()

    # announce again on purpose, then draw
    forced = run("draw-reps", "--root", str(fresh), "--year", "2008", "--announce", "--force")
    assert forced.exit_code == 0
    assert [p.read_bytes() for p in (folder / "draws").iterdir()] == [raw]
    assert run(*draw_args(fresh)).exit_code == 0
    assert run("verify-draw", "--root", str(fresh), "--year", "2008").exit_code == 0


def test_resident_ids_that_look_like_formulas_verify_after_the_draw(fresh: Path) -> None:
    """reps.csv guards them with an apostrophe ('-0001); read back, they are the roster's."""
    lines = roster_lines(fresh)
    for number, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        cells[1] = ("-", "+", "=", "@")[number % 4] + cells[1]
        lines[number] = ",".join(cells)
    write_roster(fresh, lines)
    assert run(*draw_args(fresh)).exit_code == 0
    written = read_reps(fresh / "2008" / "reps.csv")
    assert all(row["resident_id"][0] == "'" for row in written)  # never a formula
    verified = run("verify-draw", "--root", str(fresh), "--year", "2008")
    assert verified.exit_code == 0, verified.stdout
    report = json.loads(
        run("validate", "--root", str(fresh), "--year", "2008", "-f", "json").stdout
    )
    assert not [p for p in report["errors"] if p["code"] == "rep-not-in-roster"]


def test_announce_with_a_seed_is_a_usage_error(fresh: Path) -> None:
    assert run(*draw_args(fresh, "--announce")).exit_code == 2


# --------------------------------------------------------------------------- verify-draw


@pytest.fixture
def drawn(fresh: Path) -> Path:
    assert run(*draw_args(fresh, "--alternates", "3")).exit_code == 0
    return fresh


def verify_json(root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run("verify-draw", "--root", str(root), "--year", "2008", "-f", "json", *extra)
    return result.exit_code, json.loads(result.stdout)


def test_verify_passes_on_the_genuine_draw(drawn: Path) -> None:
    code, out = verify_json(drawn)
    assert code == 0 and out["ok"] is True
    assert "audit" not in out
    communities = out["communities"]
    assert isinstance(communities, list) and len(communities) == 9
    assert {c["status"] for c in communities} == {"match"}
    code, out = verify_json(drawn, "--audit")
    audit = out["audit"]
    assert isinstance(audit, list) and len(audit) == 9 * 33
    assert set(audit[0]) >= {"i", "hash", "pool_size", "position", "resident_id"}


def test_verify_audit_table_masks_resident_ids(drawn: Path) -> None:
    result = run("verify-draw", "--root", str(drawn), "--year", "2008", "--audit")
    assert result.exit_code == 0
    ids = [r["resident_id"] for r in read_reps(drawn / "2008" / "reps.csv")]
    assert not [rid for rid in ids if rid in result.stdout]
    assert "Verified" in result.stderr


def test_verify_fails_after_swapping_two_residents(drawn: Path) -> None:
    path = drawn / "2008" / "reps.csv"
    rows = read_reps(path)
    third = next(
        i for i, r in enumerate(rows) if r["community_id"] == "NMF03" and r["order"] == "3"
    )
    seventh = next(
        i for i, r in enumerate(rows) if r["community_id"] == "NMF03" and r["order"] == "7"
    )
    rows[third]["resident_id"], rows[seventh]["resident_id"] = (
        rows[seventh]["resident_id"],
        rows[third]["resident_id"],
    )
    write_reps(path, rows)
    code, out = verify_json(drawn)
    assert code == 1 and out["ok"] is False
    statuses = {c["community_id"]: c for c in out["communities"]}
    assert statuses["NMF03"]["status"] == "reps-differ"
    assert "order 3" in statuses["NMF03"]["detail"]
    assert all(c["status"] == "match" for k, c in statuses.items() if k != "NMF03")
    table = run("verify-draw", "--root", str(drawn), "--year", "2008")
    assert table.exit_code == 1 and "NOT verified" in table.stderr


def test_verify_names_every_difference_by_order(drawn: Path) -> None:
    """A deleted row is that order missing, not every later row shifted; an edit
    after the first one is named too (only the first was)."""
    path = drawn / "2008" / "reps.csv"
    rows = read_reps(path)
    nmf04 = {r["order"]: r for r in rows if r["community_id"] == "NMF04"}
    nmf06 = {r["order"]: r for r in rows if r["community_id"] == "NMF06"}
    deleted = nmf04["7"]
    rows.remove(deleted)
    second, fifth = nmf06["2"]["resident_id"], nmf06["5"]["resident_id"]
    nmf06["2"]["resident_id"], nmf06["5"]["resident_id"] = fifth, second
    nmf06["33"]["role"] = "rep"
    write_reps(path, rows)
    code, out = verify_json(drawn)
    assert code == 1
    details = {c["community_id"]: c["detail"] for c in out["communities"]}
    assert details["NMF04"] == (
        f"order 7: missing from reps.csv, the draw gives {deleted['resident_id']} (rep)"
    )
    assert details["NMF06"] == (
        f"order 2: reps.csv has {fifth} (rep), the draw gives {second} (rep); "
        f"order 5: reps.csv has {second} (rep), the draw gives {fifth} (rep); "
        f"order 33: reps.csv has {nmf06['33']['resident_id']} (rep), "
        f"the draw gives {nmf06['33']['resident_id']} (alternate)"
    )


def test_verify_reports_a_changed_roster(drawn: Path) -> None:
    lines = roster_lines(drawn)
    # one eligible NMF05 resident becomes ineligible
    index = next(
        i for i, line in enumerate(lines) if line.startswith("NMF05,") and line.endswith(",是")
    )
    lines[index] = lines[index][: -len("是")] + "否"
    write_roster(drawn, lines)
    code, out = verify_json(drawn)
    assert code == 1
    statuses = {c["community_id"]: c["status"] for c in out["communities"]}
    assert statuses["NMF05"] == "roster-changed"
    assert [k for k, s in statuses.items() if s != "match"] == ["NMF05"]


@pytest.mark.parametrize("damage", ["missing", "not json", "not an object", "wrong method"])
def test_verify_with_a_missing_or_damaged_record(drawn: Path, damage: str) -> None:
    path = drawn / "2008" / "reps.draw.json"
    if damage == "missing":
        path.unlink()
    elif damage == "not json":
        path.write_text('{"seed": ', "utf-8")
    elif damage == "not an object":
        path.write_text("[1, 2]", "utf-8")
    else:
        record = json.loads(path.read_text("utf-8"))
        path.write_text(json.dumps(dict(record, method="coin")), "utf-8")
    result = run("verify-draw", "--root", str(drawn), "--year", "2008", "-f", "json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["ok"] is False and out["problems"]
    assert "reps.draw.json" in result.stderr or "method" in result.stderr


def test_verify_without_reps_says_draw_first(fresh: Path) -> None:
    result = run("verify-draw", "--root", str(fresh), "--year", "2008")
    assert result.exit_code == 1 and "draw-reps" in result.stderr


def test_verify_checks_the_published_announcement(fresh: Path) -> None:
    assert run("draw-reps", "--root", str(fresh), "--year", "2008", "--announce").exit_code == 0
    assert run(*draw_args(fresh)).exit_code == 0
    assert verify_json(fresh)[0] == 0
    path = fresh / "2008" / "announce.csv"
    text = path.read_bytes().decode("utf-8-sig").replace(",225,", ",226,")
    path.write_bytes(BOM + text.encode("utf-8"))
    code, out = verify_json(fresh)
    assert code == 1
    assert any("NMF01" in str(p) for p in out["problems"])


def test_samples_verify() -> None:
    """The bundled samples carry a draw record that verifies (read-only)."""
    before = folder_hashes(SAMPLES)
    for year in ("2008", "2009"):
        result = run("verify-draw", "--root", str(SAMPLES), "--year", year)
        assert result.exit_code == 0, result.stderr
    assert folder_hashes(SAMPLES) == before


# --------------------------------------------------------------------------- notice


def cells(path: Path) -> list[Any]:
    workbook = load_workbook(path)
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_notice_masks_names_and_ids(root: Path, tmp_path: Path) -> None:
    output = tmp_path / "公示名单.xlsx"
    result = run("notice", "--root", str(root), "--year", "2008", "--output", str(output))
    assert result.exit_code == 0, result.stderr
    workbook = load_workbook(output)
    texts = [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    reps = read_reps(root / "2008" / "reps.csv")
    roster_names = {line.split(",")[2] for line in roster_lines(root)[1:]}
    leaked = [n for n in roster_names if len(n) >= 2 and any(n in text for text in texts)]
    assert leaked == []
    assert not [r["resident_id"] for r in reps if any(r["resident_id"] in t for t in texts)]
    first = workbook.worksheets[0]
    assert first["A1"].value.startswith("2008年欢乐谷社区居民代表公示名单")
    assert [c.value for c in first[3]][:5] == ["序号", "姓名", "居民编号", "小区", "身份"]
    assert any("*" in t for t in texts)
    assert any(SEED in t for t in texts)  # the seed is published with the list
    # every representative and alternate is on exactly one sheet
    listed = sum(
        1 for sheet in workbook.worksheets for row in sheet.iter_rows(min_row=4) if row[4].value
    )
    assert listed == len(reps)
    titles = [s.title for s in workbook.worksheets]
    assert len(set(titles)) == len(titles) and all(len(t) <= 31 for t in titles)
    json_out = run(
        "notice", "--root", str(root), "--year", "2008", "-o", str(output), "--force", "-f", "json"
    )
    assert json_out.exit_code == 0
    assert sum(s["reps"] for s in json.loads(json_out.stdout)["sheets"]) == 270


def test_notice_never_writes_a_formula(root: Path, tmp_path: Path) -> None:
    reps = read_reps(root / "2008" / "reps.csv")
    victim = reps[0]
    lines = roster_lines(root)
    for index, line in enumerate(lines):
        parts = line.split(",")
        if parts[1] == victim["resident_id"]:
            parts[2] = '"=HYPERLINK(""x"")"'
            lines[index] = ",".join(parts)
    write_roster(root, lines)
    output = tmp_path / "notice.xlsx"
    result = run("notice", "--root", str(root), "--year", "2008", "--output", str(output))
    assert result.exit_code == 0, result.stderr
    all_cells = cells(output)
    assert not [c for c in all_cells if c.data_type == "f"]
    values = [c.value for c in all_cells]
    assert not any(isinstance(v, str) and "HYPERLINK" in v for v in values)
    assert any(isinstance(v, str) and v.startswith("=*") for v in values)


def test_notice_masks_two_character_names_written_with_padding(root: Path, tmp_path: Path) -> None:
    """李　明 (a two-character name padded to three, as clerks line names up) and 王-明
    were posted in full: each piece was one character, and one character was kept."""
    reps = read_reps(root / "2008" / "reps.csv")
    names = {reps[0]["resident_id"]: "李\u3000明", reps[1]["resident_id"]: "王-明"}
    lines = roster_lines(root)
    for index, line in enumerate(lines):
        parts = line.split(",")
        if parts[1] in names:
            parts[2] = names[parts[1]]
            lines[index] = ",".join(parts)
    write_roster(root, lines)
    output = tmp_path / "notice.xlsx"
    result = run("notice", "--root", str(root), "--year", "2008", "--output", str(output))
    assert result.exit_code == 0, result.stderr
    values = {c.value for c in cells(output) if isinstance(c.value, str)}
    assert not values & {"李\u3000明", "李 明", "王-明"}
    assert {"李*", "王-*"} <= values


def test_notice_without_compounds_has_a_sheet_per_community(root: Path, tmp_path: Path) -> None:
    lines = roster_lines(root)
    header, body = lines[0], lines[1:]
    stripped = [
        ",".join(p if i != 4 else "" for i, p in enumerate(line.split(","))) for line in body
    ]
    write_roster(root, [header, *stripped])
    output = tmp_path / "notice.xlsx"
    assert run("notice", "--root", str(root), "--year", "2008", "-o", str(output)).exit_code == 0
    workbook = load_workbook(output)
    assert len(workbook.worksheets) == 9
    assert workbook.worksheets[0].title == "欢乐谷社区"
    assert workbook.worksheets[0]["A1"].value == "2008年欢乐谷社区居民代表公示名单"


def test_notice_refuses_to_overwrite(root: Path, tmp_path: Path) -> None:
    output = tmp_path / "n.xlsx"
    output.write_bytes(b"keep")
    result = run("notice", "--root", str(root), "--year", "2008", "-o", str(output))
    assert result.exit_code == 1 and output.read_bytes() == b"keep"
    roster = root / "2008" / "roster.csv"
    assert run("notice", "--root", str(root), "--year", "2008", "-o", str(roster)).exit_code == 2
    assert run("notice", "--root", str(root), "--year", "2008", "-o", "x.csv").exit_code == 2


# --------------------------------------------------------------------------- read-only


def test_read_only_commands_leave_the_inputs_byte_identical(root: Path, tmp_path: Path) -> None:
    assert run(*draw_args(root, "--alternates", "3", "--force")).exit_code == 0
    folder = root / "2008"
    shutil.rmtree(folder / "draws")
    before = folder_hashes(folder)
    out = tmp_path / "out"
    commands = [
        ["verify-draw", "--root", str(root), "--year", "2008"],
        ["verify-draw", "--root", str(root), "--year", "2008", "--audit", "-f", "csv"],
        ["notice", "--root", str(root), "--year", "2008", "-o", str(out / "n.xlsx")],
        ["forms", "--root", str(root), "--year", "2008", "-o", str(out / "forms")],
        ["validate", "--root", str(root), "--year", "2008"],
    ]
    for command in commands:
        result = run(*command)
        assert result.exit_code == 0, (command, result.stderr)
        assert folder_hashes(folder) == before, command


def test_a_household_in_two_compounds_is_warned_about(fresh: Path) -> None:
    """Drawn one per household by compound, a household in two compounds can leave a
    seat empty; the warning names it instead of saying everyone was drawn."""
    lines = roster_lines(fresh)
    header, rows = lines[0], [line.split(",") for line in lines[1:]]
    mine = [row for row in rows if row[0] == "NMF01"][:2]
    mine[1][3] = mine[0][3]  # the second lives in the first one's household ...
    mine[1][4] = mine[0][4] + "东区"  # ... but in another compound
    write_roster(fresh, [header, *(",".join(row) for row in rows)])
    result = run(*draw_args(fresh, "--stratify", "compound", "--one-per-household"))
    assert result.exit_code == 0, result.output
    assert (
        f"NMF01: household {mine[0][3]} is in several compounds "
        f"({mine[0][4]}, {mine[1][4]})" in result.stderr
    )
    assert "Put each household in one compound" in result.stderr
    # one household only: no other community is named
    assert result.stderr.count("is in several compounds") == 1


def test_roster_errors_name_only_the_file_that_holds_them(fresh: Path) -> None:
    lines = roster_lines(fresh)
    lines[5] = lines[5].rsplit(",", 1)[0] + ",已故"
    write_roster(fresh, lines)
    result = run(*draw_args(fresh))
    assert result.exit_code == 1
    assert "1 error(s) in roster.csv:" in result.stderr
    assert "communities.csv" not in result.stderr.split("error(s) in")[1].split(":")[0]


def test_a_roster_changed_after_announce_says_how_and_that_nothing_changed(fresh: Path) -> None:
    folder = fresh / "2008"
    assert run("draw-reps", "--root", str(fresh), "--year", "2008", "--announce").exit_code == 0
    raw = (folder / "announce.csv").read_bytes()
    lines = roster_lines(fresh)
    kept = [line for line in lines if not line.startswith("NMF02,NMF02-0001,")]
    # NMF03: one resident re-housed, so the pool keeps its size
    index = next(i for i, line in enumerate(kept) if line.startswith("NMF03,") and "否" not in line)
    cells = kept[index].split(",")
    cells[3] = "NMF03-H9999"
    kept[index] = ",".join(cells)
    write_roster(fresh, kept)
    before = folder_hashes(folder)

    refused = run(*draw_args(fresh))
    assert refused.exit_code == 1
    assert "(1 eligible resident(s) fewer)" in refused.stderr
    assert "NMF03" in refused.stderr and "as many residents, but" in refused.stderr
    assert "Nothing was drawn and no file was written or changed." in refused.stderr
    zh = run(*draw_args(fresh, "--lang", "zh"))
    assert "（符合条件的居民少了1人）" in zh.stderr and "本次未抽取" in zh.stderr

    again = run("draw-reps", "--root", str(fresh), "--year", "2008", "--announce")
    assert again.exit_code == 1
    assert "NMF02: announced" in again.stderr and "it was left unchanged" in again.stderr
    assert (folder / "announce.csv").read_bytes() == raw
    assert folder_hashes(folder) == before


def test_blank_compound_and_household_are_warned_with_their_rows(fresh: Path) -> None:
    lines = roster_lines(fresh)
    header = lines[0].split(",")
    compound, household = header.index("小区"), header.index("户号")
    for number in (3, 4):  # roster rows 3 and 4 as the clerk sees them (header is row 1)
        cells = lines[number - 1].split(",")
        cells[compound] = ""
        lines[number - 1] = ",".join(cells)
    cells = lines[6].split(",")
    cells[household] = ""
    lines[6] = ",".join(cells)
    write_roster(fresh, lines)
    plain = run(*draw_args(fresh, "--stratify", "compound", "--one-per-household"))
    assert plain.exit_code == 0, plain.stderr
    assert "NMF01: 2 eligible resident(s) have no compound (小区) (roster.csv rows 3, 4)" in (
        plain.stderr
    )
    assert "NMF01: 1 eligible resident(s) have no household (户号) (roster.csv row 7)" in (
        plain.stderr
    )
    assert "(no compound)" in plain.stderr and "(, " not in plain.stderr
    # the draw is the core's, warnings or not
    data, _ = load_year(fresh, "2008", scores=False)
    assert data.roster is not None
    expected = draw(data.roster, SEED, stratify="compound", one_per_household=True).reps
    assert [r["resident_id"] for r in read_reps(fresh / "2008" / "reps.csv")] == list(
        expected["resident_id"]
    )
    zh = run(*draw_args(fresh, "--stratify", "compound", "--force", "--lang", "zh"))
    assert "NMF01：2名符合条件的居民没有填写小区（roster.csv第3、4行）" in zh.stderr
    assert "户号" not in zh.stderr.split("警告")[1]  # no household warning without the option


def test_eligibility_words_clerks_write(fresh: Path) -> None:
    """符合/不符合 and ✔/✘ read as 是/否; a reason (已故, 否（外出）) is an error
    naming the cell."""
    lines = roster_lines(fresh)
    as_is = run("draw-reps", "--root", str(fresh), "--year", "2008", "--announce", "-f", "json")
    pools = json.loads(as_is.stdout)["communities"]
    (fresh / "2008" / "announce.csv").unlink()
    words = {"是": ("符合", "✔"), "否": ("不符合", "✘")}
    seen = {"是": 0, "否": 0}
    for number, line in enumerate(lines[1:], start=1):
        value = line.rsplit(",", 1)[1]
        if value in words:
            lines[number] = line.rsplit(",", 1)[0] + "," + words[value][seen[value] % 2]
            seen[value] += 1
    assert seen["否"] > 2
    write_roster(fresh, lines)
    reread = run("draw-reps", "--root", str(fresh), "--year", "2008", "--announce", "-f", "json")
    assert reread.exit_code == 0, reread.stderr
    assert json.loads(reread.stdout)["communities"] == pools

    lines[4] = lines[4].rsplit(",", 1)[0] + ",已故"
    lines[6] = lines[6].rsplit(",", 1)[0] + ",否（外出）"
    write_roster(fresh, lines)
    result = run(*draw_args(fresh))
    assert result.exit_code == 1
    assert "Row 5, 是否有资格 (F): '已故' is not yes/no" in result.stderr
    assert "Row 7, 是否有资格 (F): '否(外出)' is not yes/no" in result.stderr
    assert "belongs in a column of its own" in result.stderr
    zh = run(*draw_args(fresh, "--lang", "zh"))
    assert "第5行是否有资格（F列）：“已故”不是“是/否”，无法确定该居民能否参加抽取" in zh.stderr
    assert not (fresh / "2008" / "reps.csv").exists()
