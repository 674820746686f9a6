"""Behaviour of the fast paths of issue #5 (not timings): caps, order, equivalence.

The readers take shortcuts for speed (score columns typed by pandas' C parser, Excel
sheets processed in one batch, text normalised column by column, IDs compared as
integer codes). These tests pin that the shortcuts give the answers of the plain way.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from starcommunity.cli.common import MAX_PRINTED_PROBLEMS, print_problems, reading_progress
from starcommunity.io.tables import body_needs_no_repair, line_start
from starcommunity.io.year import load_year, normalise_text, parse_numbers
from starcommunity.problems import Report
from starcommunity.validate import check_duplicates, check_membership
from tests.conftest import Cli, bench_generator

REPO = Path(__file__).resolve().parent.parent
ITEMS = [
    f"{letter}{n}"
    for letter, count in zip("ABCDEFG", (3, 3, 4, 3, 4, 3, 3), strict=True)
    for n in range(1, count + 1)
]


def codes_of(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [p for p in report["errors"] + report["warnings"] if p["code"] == code]


def write_office(path: Path, rows: list[list[str]], title: bool = True) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if title:
        writer.writerow(["办事处评分表"])
    writer.writerow(["社区编号", "评分组", "评分人编号", "评分人姓名", "日期", *ITEMS])
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gbk"))


def office_row(rater: str, scores: list[str] | None = None) -> list[str]:
    return ["NMF01", "办事处", rater, "某某", "2008-11-30", *(scores or ["3"] * len(ITEMS))]


# ----------------------------------------------------------------- many problems


def test_a_hundred_thousand_problems_print_capped_and_counted(capsys: Any) -> None:
    report = Report()
    for row in range(100_000):
        report.add("score-blank", file="big.csv", row=row + 2, column="A1 (F)", item="A1")
    print_problems(report, "en")
    err = capsys.readouterr().err
    assert err.count("score-blank") == MAX_PRINTED_PROBLEMS
    assert f"{100_000 - MAX_PRINTED_PROBLEMS} more not shown" in err
    assert len(report.errors) == 100_000
    assert len(report.to_dict()["errors"]) == 100_000


def test_blank_scores_are_listed_up_to_the_cap_with_the_count(cli: Cli, year: Path) -> None:
    rows = [office_row(f"X{k:05d}") for k in range(6_000)]
    for row in rows:
        row[5] = ""  # item A1 blank on every row
    write_office(year / "sheets" / "extra.csv", rows)
    _, report = cli.json("validate", "--root", year.parent, "--year", year.name)
    blank = [p for p in codes_of(report, "score-blank") if p["file"] == "sheets/extra.csv"]
    assert len(blank) == 5_000
    assert [p["row"] for p in blank] == list(range(3, 5_003))
    (too_many,) = codes_of(report, "too-many-problems")
    assert too_many["value"] == 6_000 and too_many["file"] == "sheets/extra.csv"
    # 6,000 extra raters for NMF01: one count problem, not one per row
    assert len(codes_of(report, "wrong-rater-count")) == 1


# --------------------------------------------------- typed CSV columns, same answers


def test_typed_csv_columns_read_every_odd_cell_as_before(cli: Cli, year: Path) -> None:
    """Enough rows for the lazy, typed read; odd cells still get their problems."""
    (year / "sheets" / "office_scores.csv").unlink()
    rows = [office_row(f"O{k:02d}") for k in range(1, 11)]
    rows[0][5] = " 4.5 "  # spaces: a number
    rows[1][6] = "４"  # full-width: read, with a warning
    rows[2][7] = "TRUE"  # pandas would read a column of these as booleans
    rows[3][8] = "nan"  # not a score
    rows[4][9] = ""  # blank
    rows[5][10] = "inf"  # a number, far above the maximum
    rows[6][11] = "3.5分"  # text
    padded: list[list[str]] = []
    for row in rows:
        padded += [row, [""] * len(row)]  # blank rows between are not data
    padded += [[""] * len(rows[0])] * 30  # trailing blank rows neither
    write_office(year / "sheets" / "office.csv", padded)
    _, report = cli.json("validate", "--root", year.parent, "--year", year.name)
    mine = [p for p in report["errors"] + report["warnings"] if p["file"] == "sheets/office.csv"]
    found = {(p["code"], p["row"], p["value"]) for p in mine}
    assert ("number-as-text", 5, "４") in found
    assert ("score-not-number", 7, "TRUE") in found
    assert ("score-not-number", 9, "nan") in found
    assert ("score-blank", 11, "") in found
    assert ("score-not-number", 15, "3.5分") in found
    assert any(p["code"] == "score-above-max" and p["row"] == 13 for p in mine)
    assert not any(p["row"] == 3 for p in mine)  # ' 4.5 ' is fine
    assert not any(p["code"] == "blank-value" for p in mine)


def test_a_large_sheet_typed_in_chunks_is_text_where_any_chunk_has_text(
    cli: Cli, year: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pandas types a large CSV a chunk of rows at a time (32,768 rows here): a column of
    numbers in the first chunk and text in the second came back mixed (floats beside
    strings), with a DtypeWarning on the user's terminal."""
    monkeypatch.setenv("STARCOMMUNITY_NO_FORK", "1")  # warnings of this process only
    rows = [office_row(f"O{k:05d}") for k in range(40_000)]
    rows[100][6] = "nan"  # another column, first chunk
    rows[39_000][5] = "3.5分"  # only the second chunk has text in this one
    write_office(year / "sheets" / "office_scores.csv", rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, report = cli.json("validate", "--root", year.parent, "--year", year.name)
    assert not [w for w in caught if issubclass(w.category, pd.errors.DtypeWarning)]
    found = {
        (p["code"], p["row"], p["value"])
        for p in report["errors"]
        if p["file"] == "sheets/office_scores.csv"
    }
    assert ("score-not-number", 103, "nan") in found  # title row, header, then rows
    assert ("score-not-number", 39_003, "3.5分") in found
    scores = [p for p in report["errors"] if p["code"].startswith("score-")]
    assert len(scores) == 2


@pytest.mark.parametrize("text_column", [False, True])
def test_parse_numbers_typed_and_text_columns_agree(text_column: bool) -> None:
    cells = ["1", "2.5", " 3 ", "４", "", "x", "1e1", "-0", "inf", "nan", "TRUE", "３．５"]
    raw = pd.Series(cells, dtype=str if text_column else object)
    values, blank, nan, repaired = parse_numbers(raw, from_excel=False)
    expected = [1, 2.5, 3, 4, np.nan, np.nan, 10, -0.0, np.inf, np.nan, np.nan, 3.5]
    assert np.allclose(values.to_numpy(), expected, equal_nan=True)
    assert blank.tolist() == [c.strip() == "" for c in cells]
    assert nan.tolist() == [c in ("x", "nan", "TRUE") for c in cells]
    assert repaired.tolist() == [c in ("４", "３．５") for c in cells]
    typed = parse_numbers(pd.Series([1.0, 2.5, 3.0]), from_excel=False)
    assert typed[0].tolist() == [1.0, 2.5, 3.0]
    assert not typed[1].any() and not typed[2].any() and not typed[3].any()


def test_parse_numbers_excel_cells() -> None:
    raw = pd.Series([5.0, 4, "3.5", "  ", None, True, "５", float("nan")], dtype=object)
    values, blank, nan, repaired = parse_numbers(raw, from_excel=True)
    assert values.iloc[:3].tolist() == [5.0, 4.0, 3.5]
    assert blank.tolist() == [False, False, False, True, True, False, False, True]
    assert nan.tolist() == [False] * 5 + [True, False, False]
    assert repaired.tolist() == [False, False, True, False, False, False, True, False]


def test_normalise_text_whole_column_shortcut_and_cell_by_cell_agree() -> None:
    plain = pd.Series(["NMF01", " NMF02 ", "居民代表", "王　建"], dtype=str)
    text, changed, stripped = normalise_text(plain, from_excel=False)
    assert text.tolist() == ["NMF01", "NMF02", "居民代表", "王 建"]
    assert changed.tolist() == [3]
    assert stripped.tolist() == ["NMF01", "NMF02", "居民代表", "王　建"]
    ascii_only = pd.Series(["a", " b", "c "], dtype=str)
    text, changed, _ = normalise_text(ascii_only, from_excel=False)
    assert text.tolist() == ["a", "b", "c"] and changed.tolist() == []
    wide = pd.Series(["ＮＭＦ０１", "NMF01"], dtype=str)
    text, changed, _ = normalise_text(wide, from_excel=False)
    assert text.tolist() == ["NMF01", "NMF01"] and changed.tolist() == [0]
    excel = pd.Series([1001.0, "  x ", None, True], dtype=object)
    text, changed, _ = normalise_text(excel, from_excel=True)
    assert text.tolist() == ["1001", "x", "", "true"] and changed.tolist() == []


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("A001,0001,王建国,H1,安安里2区,是\n", True),  # ASCII and CJK ideographs: no decoding
        ("A001,0001,王〇,H1,1号楼,是\n", True),  # 〇 (U+3007) is NFKC: decoded to tell
        ("A001,0001,王建国１２,H1,安安里,是\n", False),  # full-width digits
        ("A001,0001,王建国,H1,安安里\u00a02区,是\n", False),  # a no-break space
        ("A001,0001,Jose\u0301,H1,x,yes\n", False),  # e and a combining accent
        ("A001,0001,\u00b7,H1,x,yes\n", True),  # a middle dot (minority names)
    ],
)
def test_body_needs_no_repair_is_what_normalising_each_cell_finds(text: str, plain: bool) -> None:
    assert body_needs_no_repair(text.encode()) is plain
    # below a title the clerk wrote with full-width brackets and digits
    titled = "居民名册（２００８年）\n".encode()
    assert body_needs_no_repair(titled + text.encode(), len(titled)) is plain
    assert body_needs_no_repair(text.encode() + titled, len(text.encode())) is False
    cells = pd.Series(text.strip().split(","), dtype=object)
    assert (len(normalise_text(cells, from_excel=False)[1]) == 0) is plain


@given(st.lists(st.text(alphabet="a0,\n 王国〇１\u00a0\u0301\u00b7\u3000Ａé", max_size=12)))
@settings(max_examples=200, deadline=None)
def test_a_body_that_needs_no_repair_has_no_cell_to_repair(cells: list[str]) -> None:
    if body_needs_no_repair(",".join(cells).encode()):
        assert len(normalise_text(pd.Series(cells, dtype=object), from_excel=False)[1]) == 0


def test_line_start_counts_lines_only_where_they_are_rows() -> None:
    assert line_start(b"title\nheader\nrow", 3) == 13
    assert line_start(b"title\r\nheader\r\nrow", 3) == 15
    assert line_start(b"title\nheader", 3) is None  # past the end
    assert line_start(b'"two\nlines"\nheader\nrow', 3) is None  # a quoted line break
    assert line_start(b"title\rheader\nrow", 2) is None  # pandas ends a row at a lone CR


# -------------------------------------------------- batched Excel sheets, same order


def test_score_rows_and_problems_keep_reading_order(cli: Cli, year: Path) -> None:
    import openpyxl

    path = year / "sheets" / "居民代表评分.xlsx"
    workbook = openpyxl.load_workbook(path)
    order = workbook.sheetnames
    first, last = workbook[order[0]], workbook[order[-1]]
    first.cell(4, 6).value = "abc"
    last.cell(3, 6).value = "def"
    workbook.save(path)
    edit = (year / "sheets" / "office_scores.csv").read_bytes().decode("gbk").splitlines()
    cells = edit[1].split(",")
    cells[5] = "ghi"
    edit[1] = ",".join(cells)
    (year / "sheets" / "office_scores.csv").write_bytes(("\r\n".join(edit) + "\r\n").encode("gbk"))

    data, _ = load_year(year.parent, year.name)
    scores = data.scores
    files = list(dict.fromkeys(scores["_file"]))
    assert files == sorted(files)
    sheets = list(
        dict.fromkeys(scores.loc[scores["_file"] == "sheets/居民代表评分.xlsx", "_sheet"])
    )
    assert sheets == order
    for _, part in scores.groupby(["_file", "_sheet"], dropna=False, sort=False):
        assert part["_row"].is_monotonic_increasing

    _, report = cli.json("validate", "--root", year.parent, "--year", year.name)
    bad = [(p["file"], p["sheet"]) for p in codes_of(report, "score-not-number")]
    assert bad == [
        ("sheets/office_scores.csv", None),
        ("sheets/居民代表评分.xlsx", order[0]),
        ("sheets/居民代表评分.xlsx", order[-1]),
    ]


# ------------------------------------------------------- integer codes, same answers


def test_duplicates_and_membership_by_codes_match_the_text() -> None:
    frame = pd.DataFrame(
        {
            "community_id": ["C1", "C1", "C2", "C2", "C9", "", "C1"],
            "resident_id": ["a", "b", "a", "a", "x", "y", "b"],
            "_file": "f.csv",
            "_sheet": None,
            "_row": range(2, 9),
        },
        dtype=object,
    )
    known = pd.Series(["C1", "C2"], dtype=object)
    plain, coded = Report(), Report()
    check_duplicates(frame, ["community_id", "resident_id"], "resident_id", "dup", plain)
    check_membership(frame, "community_id", known, "unknown", plain)
    codes, uniques = pd.factorize(pd.concat([frame["community_id"], known]))
    person = pd.factorize(frame["resident_id"])[0]
    pair = codes[: len(frame)] * 10 + person
    check_duplicates(
        frame, ["community_id", "resident_id"], "resident_id", "dup", coded, codes=pair
    )
    check_membership(
        frame,
        "community_id",
        known,
        "unknown",
        coded,
        codes=(codes[: len(frame)], codes[len(frame) :], len(uniques)),
    )
    assert [(p.code, p.row) for p in coded.problems] == [(p.code, p.row) for p in plain.problems]
    assert [(p.code, p.row) for p in plain.problems] == [("dup", 5), ("dup", 8), ("unknown", 6)]


def test_reps_not_in_roster_and_duplicate_residents(cli: Cli, year: Path) -> None:
    roster = (year / "roster.csv").read_text(encoding="utf-8-sig").splitlines()
    roster.append(roster[1])  # the first resident twice
    (year / "roster.csv").write_text("\n".join(roster) + "\n", encoding="utf-8-sig")
    reps = (year / "reps.csv").read_text(encoding="utf-8").splitlines()
    cells = reps[1].split(",")
    cells[2] = "NMF01-9999"  # not in the roster
    reps[1] = ",".join(cells)
    (year / "reps.csv").write_text("\n".join(reps) + "\n", encoding="utf-8")
    _, report = cli.json("validate", "--root", year.parent, "--year", year.name)
    (duplicate,) = codes_of(report, "duplicate-resident")
    assert duplicate["row"] == len(roster) and duplicate["value"] == roster[1].split(",")[1]
    (missing,) = codes_of(report, "rep-not-in-roster")
    assert missing["row"] == 2 and missing["value"] == "NMF01-9999"


# --------------------------------------------------------- progress, start-up, bench


def test_load_year_reports_progress_per_input_file(year: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    load_year(year.parent, year.name, progress=lambda *a: calls.append(a))
    sheets = sorted(str(p.relative_to(year)) for p in (year / "sheets").iterdir())
    names = ["communities.csv", "criteria.xlsx", "roster.csv", "reps.csv", "flags.csv"]
    assert [c[0] for c in calls] == names + sheets
    done = [c[1] for c in calls]
    assert done == sorted(done) and done[-1] == calls[-1][2]
    everything = [p for p in year.iterdir() if p.suffix in (".csv", ".xlsx")]
    everything += [p for p in (year / "sheets").iterdir()]
    assert calls[-1][2] == sum(p.stat().st_size for p in everything)


def test_progress_is_off_when_quiet_or_not_a_terminal() -> None:
    with reading_progress(quiet=True) as progress:
        assert progress is None
    with reading_progress() as progress:  # pytest's stderr is no terminal
        assert progress is None


@pytest.mark.parametrize("command", ["validate", "score", "rank"])
@pytest.mark.parametrize("flag", ["--quiet", "-q", None])
def test_quiet_reaches_the_progress_bar_of_each_command(
    monkeypatch: pytest.MonkeyPatch, command: str, flag: str | None
) -> None:
    """Each run asks for the bar with its own --quiet: none is left over from an
    earlier run in the same process (a flag kept in a module once was)."""
    from starcommunity.cli import common
    from tests.conftest import SAMPLES, run

    asked: list[bool] = []
    real = common.reading_progress

    def recording(*, quiet: bool = False) -> Any:
        asked.append(quiet)
        return real(quiet=quiet)

    monkeypatch.setattr(common, "reading_progress", recording)
    monkeypatch.delenv(common.QUIET_ENV, raising=False)
    args = [command, "--root", SAMPLES, "--year", "2008", "--format", "json"]
    run(*args, *([flag] if flag else []))
    run(*args)  # then without: not quiet
    assert asked == [flag is not None, False]


def test_version_does_not_import_pandas() -> None:
    code = (
        "import sys\n"
        "from starcommunity.cli import main\n"
        "sys.argv = ['starcommunity', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'pandas', 'numpy', 'openpyxl', 'python_calamine'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("[]")


@pytest.mark.parametrize("fmt", ["mixed", "csv"])
def test_bench_generator_writes_a_valid_rankable_year(cli: Cli, tmp_path: Path, fmt: str) -> None:
    generate = bench_generator()
    folder = generate.generate(tmp_path, 24, fmt, roster_size=40)
    again = generate.generate(tmp_path / "again", 24, fmt, roster_size=40)
    for name in ("communities.csv", "roster.csv", "reps.csv", "flags.csv"):
        assert (folder / name).read_bytes() == (again / name).read_bytes()
    code, report = cli.json("validate", "--root", tmp_path, "--year", "2008")
    assert report["errors"] == [] and code == 0
    areas = {
        line.split(",")[2] for line in (folder / "communities.csv").read_text("gbk").split()[2:]
    }
    assert len(areas) >= 2
    result = cli("rank", "--root", tmp_path, "--year", "2008", "--format", "json")
    if result.exit_code == 2 and "No such command" in result.output:
        pytest.skip("rank is not there yet")
    ranking = json.loads(result.stdout)
    assert len(ranking) == 24
    assert sum(1 for r in ranking if r["disqualified"]) >= 1


def test_rater_counts_by_code_match_the_text(year: Path) -> None:
    from starcommunity.validate import _IdCodes, rater_counts

    data, _ = load_year(year.parent, year.name)
    scores = data.scores
    extra = scores.iloc[[0, 0, 5]].copy()
    extra.iloc[2, extra.columns.get_loc("group")] = "nobody"
    data.scores = pd.concat([scores[scores["community_id"] != "NMF04"], extra], ignore_index=True)
    plain = rater_counts(data)
    coded = rater_counts(data, _IdCodes(data))
    pd.testing.assert_frame_equal(plain, coded, check_dtype=False)
    assert plain.loc[plain["community_id"] == "NMF04", "raters"].tolist() == [0, 0, 0]


def test_group_codes_are_the_places_in_groups_as_compared_by_eq() -> None:
    from starcommunity.model import GROUPS
    from starcommunity.validate import group_codes

    cells = pd.Series(
        ["residents", "office", None, float("nan"), "committee", "Office", "", "residents"],
        dtype=object,
    )
    expected = [GROUPS.index(c) if c in GROUPS else -1 for c in cells]
    assert group_codes(cells).tolist() == expected
    for place, group in enumerate(GROUPS):
        assert (group_codes(cells) == place).tolist() == cells.eq(group).tolist()
    assert group_codes(pd.Series([], dtype=object)).tolist() == []


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.none() | st.text(alphabet="a1 \t\u3000\x00\x1f", max_size=3), max_size=8))
def test_blank_cells_are_none_empty_or_white_space(cells: list[str | None]) -> None:
    from starcommunity.io.tables import blank_cells

    expected = [cell is None or cell.strip() == "" for cell in cells]
    assert blank_cells(pd.Series(cells, dtype=object)).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.text(alphabet="a1 \t\u3000\x00\x1f", max_size=3), max_size=8))
def test_nonblank_is_what_stripping_each_cell_says(cells: list[str]) -> None:
    from starcommunity.validate import nonblank

    expected = [cell.strip() != "" for cell in cells]
    assert nonblank(pd.Series(cells, dtype=object)).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.text(alphabet="a1 \t\u3000１ｂ社\x1f'=-@", max_size=4), max_size=8))
def test_normalised_text_is_each_cell_stripped_and_nfkc(cells: list[str]) -> None:
    """...and without the apostrophe that guards text a spreadsheet would run as a
    formula ('=1, '-5), as reps.csv is written."""
    import unicodedata

    from starcommunity.io.year import normalise_text

    def unguarded(cell: str) -> str:
        return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") else cell

    text, changed, stripped = normalise_text(pd.Series(cells, dtype=object), from_excel=False)
    expected_stripped = [unguarded(cell.strip()) for cell in cells]
    expected = [unicodedata.normalize("NFKC", cell) for cell in expected_stripped]
    assert list(stripped) == expected_stripped
    assert list(text) == expected
    assert list(changed) == [n for n, cell in enumerate(expected_stripped) if expected[n] != cell]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=12))
def test_header_key_drops_what_it_always_dropped(text: str) -> None:
    """header_key deletes marks with str.translate and spaces with str.split: the key
    of a character-by-character filter on str.isspace and the marks."""
    import unicodedata

    from starcommunity.io.headers import header_key

    folded = unicodedata.normalize("NFKC", text).casefold()
    expected = "".join(ch for ch in folded if not ch.isspace() and ch not in "_-:：*（）()")
    assert header_key(text) == expected


def test_nonblank_text_and_other_cells() -> None:
    from starcommunity.validate import nonblank

    text = pd.Series(["a", "", " ", "\u3000", " b "], dtype=object)
    assert nonblank(text).tolist() == [True, False, False, False, True]
    mixed = pd.Series(["a", "", None, float("nan"), 3], dtype=object)
    assert nonblank(mixed).tolist() == [True, False, True, True, True]


def test_rater_quality_warnings(cli: Cli, year: Path) -> None:
    """Straight-lining and outlying totals, found row-wise in numpy, as before."""
    office = year / "sheets" / "office_scores.csv"
    rows = list(csv.reader(io.StringIO(office.read_bytes().decode("gbk"))))
    first = rows[0].index("A1")
    # the maxima of samples/2008/criteria.xlsx, item by item
    rows[1][first:] = [
        str(v) for v in (5, 5, 4, 5, 5, 4, 4, 4, 4, 3, 6, 4, 4, 5, 3, 3, 4, 5, 4, 5, 5, 5, 4)
    ]
    rows[2][first:] = ["2"] * (len(rows[0]) - first)
    rows[3][first:] = ["0"] * (len(rows[0]) - first)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    office.write_bytes(buffer.getvalue().encode("gbk"))
    _, report = cli.json("validate", "--root", year.parent, "--year", year.name)
    lined = {
        p["row"]: p["message"]
        for p in codes_of(report, "straight-lining")
        if p["file"] == "sheets/office_scores.csv"
    }
    assert "every item full marks" in lined[2]
    assert "every item the same score (2)" in lined[3]
    assert "every item the same score (0)" in lined[4]
    assert any(p["row"] == 4 for p in codes_of(report, "outlier-rater"))


SCORE = st.one_of(
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 4.0, 5.0, 0.1, 0.2, 1 / 3, 1e16, float("nan")]),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 2)),
    st.floats(allow_nan=True, allow_infinity=False, width=64),
)


@settings(max_examples=150, deadline=None)
@given(
    table=st.integers(min_value=1, max_value=30).flatmap(
        lambda width: st.lists(
            st.lists(SCORE, min_size=width, max_size=width), min_size=1, max_size=30
        )
    ),
)
def test_row_totals_are_those_of_a_2d_array(table: list[list[float]]) -> None:
    """row_totals answers a column at a time what was asked of a rows-by-items array:
    all and max/min along a row, and each total added left to right, to the last bit.
    That is pandas' row sum of the 2-D array of more than one row without a blank; with
    one, pandas added each row pairwise, a rounding apart."""
    import math

    from starcommunity.validate import row_totals

    items = [f"i{n}" for n in range(len(table[0]))]
    scores = pd.DataFrame(table, columns=items, index=pd.RangeIndex(3, 3 + len(table)))
    maxima = pd.Series([5.0] * len(items), index=items)
    full, same, totals = row_totals(scores, items, maxima)

    def left_to_right(row: list[float]) -> float:
        total = 0.0
        for score in row:
            total += score
        return math.nan if any(math.isnan(score) for score in row) else total

    expected = np.array([left_to_right(row) for row in table])
    got = totals.to_numpy()
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))
    grid = scores[items].to_numpy(dtype=float)
    if len(table) > 1 and not np.isnan(grid).any():
        with np.errstate(over="ignore", invalid="ignore"):
            pandas_sum = pd.DataFrame(grid, copy=False).sum(axis=1).to_numpy()
        assert np.array_equal(got.view(np.int64), pandas_sum.view(np.int64))
    complete = ~np.isnan(grid).any(axis=1)
    expected_full = (grid == 5.0).all(axis=1) & complete
    with np.errstate(invalid="ignore"):
        one = grid.max(axis=1) == grid.min(axis=1)
    assert full.tolist() == expected_full.tolist()
    assert same.tolist() == (one & complete & ~expected_full & (len(items) > 1)).tolist()
    assert list(totals.index) == list(scores.index)


# cells of a clerk's CSV without quotes: spaces, tabs, full-width and Chinese text
CELL = st.text(alphabet="ab1 .-\u3000全角年社区\t", max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.lists(CELL, max_size=5).map(",".join), min_size=33, max_size=45),
    ending=st.sampled_from(["\n", "\r\n"]),
    quote_at=st.none() | st.integers(0, 40),
)
def test_csv_head_from_the_sample_is_what_pandas_reads(
    lines: list[str], ending: str, quote_at: int | None
) -> None:
    from starcommunity.io import tables

    if quote_at is not None and quote_at < len(lines):
        lines[quote_at] += ',"a,b"'
    text = ending.join(lines) + ending
    assume(text.strip())  # a blank file is refused before any head is read
    sample = text.splitlines()[: tables.HEADER_SEARCH_ROWS * 4]
    rows = tables._csv_rows(sample)
    width = max((len(row) for row in rows), default=1)
    fast = tables._head_from_sample(sample, rows, width)
    if quote_at is not None and quote_at <= tables.HEADER_SEARCH_ROWS:
        assert fast is None  # a field may span lines: pandas reads the head itself
        return
    assert fast is not None
    expected = tables._csv_cells(text.encode(), width, rows=tables.HEADER_SEARCH_ROWS + 1)
    pd.testing.assert_frame_equal(fast, expected)


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(st.lists(CELL, max_size=5).map(",".join), min_size=1, max_size=40),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    last_ending=st.booleans(),
    quote_at=st.none() | st.integers(0, 40),
)
def test_a_small_csv_read_whole_by_the_csv_module_is_what_pandas_reads(
    lines: list[str], ending: str, last_ending: bool, quote_at: int | None
) -> None:
    """A file shorter than the header search sample is read from the sample itself."""
    from starcommunity.io import tables

    if quote_at is not None and quote_at < len(lines):
        lines[quote_at] += ',"a,b"'
    text = ending.join(lines) + (ending if last_ending else "")
    assume(text.strip())
    from starcommunity.problems import Report

    report = Report()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small.csv"
        path.write_bytes(text.encode())
        grid = tables._read_csv(path, "small.csv", report, lazy=True)
    # lines with more tabs or semicolons than commas are read so, and say so
    assert [p.code for p in report.problems] in ([], ["csv-delimiter"])
    assert grid is not None
    quoted = quote_at is not None and quote_at < len(lines)
    # a quote may make a field span lines: with more lines than the header search
    # reads, pandas then reads the head alone, and the body later
    assert not grid.partial or (quoted and len(text.splitlines()) > tables.HEADER_SEARCH_ROWS)
    sample = text.splitlines()
    delimiter = tables._delimiter(sample)
    width = max(len(row) for row in tables._csv_rows(sample, delimiter))
    expected = tables._csv_cells(text.encode(), width, sep=delimiter)
    expected.index = range(1, len(expected) + 1)
    pd.testing.assert_frame_equal(grid.full_cells(report), expected)


def test_repeated_text_shares_one_object_per_value_once() -> None:
    from starcommunity.io.year import interned

    # as the csv module reads it: a new string object per cell
    fresh = np.array(["".join(["社区", str(n % 7)]) for n in range(30_000)], dtype=object)
    shared = interned(fresh)
    assert shared.tolist() == fresh.tolist()
    assert len({id(value) for value in shared}) == 7
    # as pandas' C parser reads it: already shared, so left as it is, not hashed again
    parsed = pd.read_csv(io.StringIO("\n".join(fresh)), header=None, dtype=object)[0]
    column = parsed.to_numpy(dtype=object)
    assert interned(column) is column


LARGE_CSV_ODDITIES = {
    "plain": lambda rows: rows,
    "blank lines": lambda rows: [*rows[:5000], "", ",,,", *rows[5000:], "", ""],
    "a wider row late": lambda rows: [*rows[:-3], rows[-3] + ",extra", *rows[-2:]],
    "a quoted line break": lambda rows: [*rows[:40_000], 'A1,"two\nlines",x,y', *rows[40_000:]],
    "text in a score column": lambda rows: [*rows[:-10], "A1,B1,C1,优", *rows[-10:]],
}


@pytest.mark.parametrize("oddity", list(LARGE_CSV_ODDITIES))
@pytest.mark.parametrize("numeric", [frozenset(), frozenset({3})])
def test_a_large_csv_read_from_its_path_is_what_its_bytes_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, oddity: str, numeric: frozenset[int]
) -> None:
    """pandas reads a large file from its path in parallel pieces: the same cells as
    one read of its bytes, with the same refusal of a row wider than the others."""
    from starcommunity.io import tables

    rows = [f"A{n % 97:03d}C{n % 13},居民{n:07d},姓名{n % 101},{n % 10}" for n in range(200_000)]
    text = ("\ufeff" + "\r\n".join(LARGE_CSV_ODDITIES[oddity](rows)) + "\r\n").encode()
    assert len(text) > 6 << 20  # over pandas' 5 MB of rows, so it does read in pieces
    path = tmp_path / "roster.csv"
    path.write_bytes(text)
    payload = text[3:]
    sources = []
    read_csv = pd.read_csv
    monkeypatch.setattr(tables, "PARALLEL_READ_BYTES", 1 << 20)

    def spied_read_csv(source: Any, **kwargs: Any) -> pd.DataFrame:
        sources.append(source)
        return read_csv(source, **kwargs)

    monkeypatch.setattr(pd, "read_csv", spied_read_csv)
    from_path = tables._csv_cells(payload, 4, numeric=numeric, source=path)
    from_bytes = tables._csv_cells(payload, 4, numeric=numeric)
    assert sources[0] == str(path) and isinstance(sources[1], io.BytesIO)
    if oddity == "a wider row late":
        assert from_path is None and from_bytes is None
        return
    assert from_path is not None and from_bytes is not None
    pd.testing.assert_frame_equal(from_path, from_bytes)


def test_a_large_csv_gone_from_its_path_is_read_from_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starcommunity.io import tables

    monkeypatch.setattr(tables, "PARALLEL_READ_BYTES", 0)
    payload = "社区编号,评分\r\nA1,5\r\nA2,4.5\r\n".encode()
    cells = tables._csv_cells(payload, 2, numeric=frozenset({1}), source=tmp_path / "gone.csv")
    assert cells is not None
    pd.testing.assert_frame_equal(cells, tables._csv_cells(payload, 2, numeric=frozenset({1})))


@pytest.mark.parametrize("large", [False, True])
def test_mapped_columns_keep_their_types(monkeypatch: pytest.MonkeyPatch, large: bool) -> None:
    from starcommunity.io import tables

    if large:  # taken as they are, each column its own block
        monkeypatch.setattr(tables, "LARGE_TABLE_ROWS", 0)
    body = pd.DataFrame({0: ["a", "b"], 1: [1.5, 2.0], 2: ["x", "y"]}, index=[4, 6])
    body[0] = body[0].astype(object)
    frame = tables.mapped_frame(body, {0: "community_id", 1: "I1"})
    assert list(frame.columns) == ["community_id", "I1", "_row"]
    # object text, not pandas' str dtype, which would wrap every cell again
    assert frame["community_id"].dtype == object and frame["I1"].dtype == float
    assert frame["_row"].tolist() == [4, 6] and frame.index.equals(pd.RangeIndex(2))
    shared = np.shares_memory(frame["community_id"].to_numpy(), body[0].to_numpy())
    assert shared == large
    frame.loc[0, "community_id"] = "changed"  # the body is never changed through it
    assert body.loc[4, 0] == "a"
