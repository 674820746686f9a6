"""`starcommunity validate` as a contract: every bad input named, exit codes, no changes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import Cli, folder_digest

OFFICE = Path("sheets/office_scores.csv")
RESIDENTS = Path("sheets/居民代表评分.xlsx")


def read_csv(path: Path, encoding: str = "gbk") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "gbk") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def edit_office(year: Path, row: int, column: str, value: str) -> None:
    """Set one cell of the GBK office sheet; row is the line number a clerk sees."""
    rows = read_csv(year / OFFICE)
    rows[row - 1][rows[0].index(column)] = value
    write_csv(year / OFFICE, rows)


def problems(cli: Cli, year: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    return cli.json("validate", "--root", year.parent, "--year", year.name, *extra)


def find(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [p for p in report["errors"] + report["warnings"] if p["code"] == code]


def test_samples_are_valid_with_warnings(cli: Cli, year: Path) -> None:
    code, report = problems(cli, year)
    assert code == 0
    assert report["valid"] is True
    assert report["errors"] == []
    # numbers stored as text and the full-width ５ are read, each with a warning
    repaired = find(report, "number-as-text")
    assert {(p["sheet"], p["row"]) for p in repaired} >= {("平乐园社区", 3), ("欢乐谷社区", 5)}
    assert all(p["file"] == "sheets/居民代表评分.xlsx" for p in repaired)


def test_json_problem_has_every_field(cli: Cli, year: Path) -> None:
    edit_office(year, 3, "A2", "12")
    code, report = problems(cli, year)
    assert code == 1
    assert report["valid"] is False
    (problem,) = find(report, "score-above-max")
    assert set(problem) >= {"file", "sheet", "row", "column", "value", "code", "message"}
    assert problem["file"] == "sheets/office_scores.csv"
    assert problem["sheet"] is None
    assert problem["row"] == 3
    assert problem["column"] == "A2 (G)"
    assert problem["value"] == 12
    assert "above the maximum 5" in problem["message"]


def test_chinese_message_reads_as_a_clerk_expects(cli: Cli, year: Path) -> None:
    edit_office(year, 7, "D1", "12")
    _, report = problems(cli, year, "--lang", "zh")
    (problem,) = find(report, "score-above-max")
    assert problem["message"] == "第7行“环境卫生整洁”得分为12，超过满分6，请核对" or (
        problem["message"].startswith("第7行") and "超过满分" in problem["message"]
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "score-blank"),
        ("好", "score-not-number"),
        ("-1", "score-below-zero"),
        ("99", "score-above-max"),
        ("1e400", "score-above-max"),
        ("NaN", "score-not-number"),
    ],
)
def test_bad_score_cells(cli: Cli, year: Path, value: str, code: str) -> None:
    edit_office(year, 5, "B2", value)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (problem,) = find(report, code)
    assert (problem["file"], problem["row"], problem["column"]) == (str(OFFICE), 5, "B2 (J)")


def test_full_width_score_is_read_with_a_warning(cli: Cli, year: Path) -> None:
    edit_office(year, 5, "B2", "４．５")
    exit_code, report = problems(cli, year)
    assert exit_code == 0
    (problem,) = [p for p in find(report, "number-as-text") if p["file"] == str(OFFICE)]
    assert problem["row"] == 5


@pytest.mark.parametrize("written", ["2008年13月1日", "12月1日", "日期"])
def test_a_cell_that_is_no_date_is_shown_as_written(cli: Cli, year: Path, written: str) -> None:
    edit_office(year, 3, "日期", written)
    (year / "flags.csv").write_text(
        f"社区编号,取消资格情形,日期,备注\r\nNMF05,发生重大安全事故,{written},x\r\n",
        encoding="utf-8-sig",
    )
    exit_code, report = problems(cli, year)
    assert exit_code == 0
    flag, sheet = sorted(find(report, "bad-date"), key=lambda p: p["file"])
    assert (flag["file"], flag["row"], flag["value"]) == ("flags.csv", 2, written)
    assert (sheet["file"], sheet["row"], sheet["cell"]) == (str(OFFICE), 3, "E3")
    # it read '2008-13-1', '12-1' and '期' before: not what the clerk typed
    assert sheet["value"] == written and f"'{written}'" in sheet["message"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("39783", "2008-12-01"),  # an Excel date number: the cell lost its date format
        ("39783.4375", "2008-12-01"),  # ... with a time of day
        ("39803", "2008-12-21"),
        ("2008/12/21 10:30", "2008-12-21"),  # a date-time cell saved as CSV
        ("2008-12-21T10:30:00", "2008-12-21"),
    ],
)
def test_excel_date_numbers_and_dates_with_a_time_are_dates(
    cli: Cli, year: Path, written: str, read: str
) -> None:
    """They were each 'not a date' (bad-date); now the date counts, and is checked
    against the office's scoring window (2008-11-26 to 2008-12-10) like any other."""
    edit_office(year, 3, "日期", written)
    exit_code, report = problems(cli, year)
    assert exit_code == 0
    assert not find(report, "bad-date")
    outside = [p for p in find(report, "date-outside-window") if p["row"] == 3]
    if read > "2008-12-10":
        (problem,) = outside
        assert problem["value"] == read and problem["cell"] == "E3"
    else:
        assert outside == []


def test_a_hidden_sheet_is_read_and_said_to_be_hidden(cli: Cli, year: Path) -> None:
    """An old draft of a community's sheet, hidden in the workbook, scores again: its
    raters are duplicates. The clerk, who cannot see that sheet, is told it was read."""
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    draft = workbook.copy_worksheet(workbook["欢乐谷社区"])
    draft.title = "欢乐谷社区旧稿"
    draft.sheet_state = "hidden"
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 1  # its raters scored twice
    (hidden,) = find(report, "hidden-sheet")
    assert hidden in report["warnings"]
    assert (hidden["file"], hidden["sheet"]) == (str(RESIDENTS), "欢乐谷社区旧稿")
    assert "hidden in Excel" in hidden["message"]
    assert find(report, "duplicate-rater")


def test_unknown_community_group_and_duplicate_rater(cli: Cli, year: Path) -> None:
    rows = read_csv(year / OFFICE)
    rows[1][0] = "NMF99"  # line 2
    rows[2][1] = "街道"  # line 3
    rows.append(list(rows[4]))  # line 5 again at the end
    write_csv(year / OFFICE, rows)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    assert [(p["row"], p["value"]) for p in find(report, "unknown-community")] == [(2, "NMF99")]
    assert [(p["row"], p["value"]) for p in find(report, "unknown-group")] == [(3, "街道")]
    duplicate = find(report, "duplicate-rater")
    assert [p["row"] for p in duplicate] == [len(rows)]
    assert "row 5" in duplicate[0]["message"]


def test_wrong_rater_count(cli: Cli, year: Path) -> None:
    rows = read_csv(year / OFFICE)
    write_csv(year / OFFICE, [r for r in rows if not (r[0] == "NMF02" and r[2] == "O10")])
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (problem,) = find(report, "wrong-rater-count")
    assert problem["value"] == 9
    assert "NMF02" in problem["message"] and "office" in problem["message"]
    # the file to count them in, not only the folder of all sheets
    assert (problem["file"], problem["sheet"]) == (str(OFFICE), None)


def test_resident_rater_not_drawn(cli: Cli, year: Path) -> None:
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    sheet = workbook["欢乐谷社区"]
    sheet["C4"] = "NMF01-9999"
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (problem,) = find(report, "rater-not-drawn")
    assert (problem["sheet"], problem["row"], problem["value"]) == ("欢乐谷社区", 4, "NMF01-9999")
    assert problem["column"].endswith("(C)")


def test_unknown_item_column_and_missing_column(cli: Cli, year: Path) -> None:
    rows = read_csv(year / OFFICE)
    for row in rows:
        row.append("5" if row is not rows[0] else "额外加分")
    write_csv(year / OFFICE, rows)
    communities = read_csv(year / "communities.csv")
    write_csv(year / "communities.csv", [r[:2] for r in communities])
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (unknown,) = find(report, "unknown-item")
    assert unknown["value"] == "额外加分"
    assert unknown["column"] == "额外加分 (AC)"
    (missing,) = find(report, "missing-column")
    assert (missing["file"], missing["row"], missing["column"]) == ("communities.csv", 2, "area")


def test_criteria_problems(cli: Cli, year: Path) -> None:
    workbook = openpyxl.load_workbook(year / "criteria.xlsx")
    sheet = workbook.active
    sheet["D4"] = 0  # A1 max points
    sheet.append(["A2", "居民自治", "重复的指标", 3])
    workbook.save(year / "criteria.xlsx")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (not_positive,) = find(report, "max-points-not-positive")
    assert (not_positive["file"], not_positive["row"]) == ("criteria.xlsx", 4)
    (duplicate,) = find(report, "duplicate-item")
    assert duplicate["value"] == "A2"
    (total,) = find(report, "criteria-total-not-100")
    assert total in report["warnings"]


# the second as a header compares names: spaces do not tell them apart
@pytest.mark.parametrize("namesake", ["居委会依法选举", "居委会 依法选举"])
def test_two_items_of_one_name_are_named_as_such(cli: Cli, year: Path, namesake: str) -> None:
    workbook = openpyxl.load_workbook(year / "criteria.xlsx")
    sheet = workbook.active
    assert (sheet["A4"].value, sheet["C4"].value) == ("A1", "居委会依法选举")
    assert sheet["A26"].value == "G3"
    sheet["C26"] = namesake  # G3 given A1's name; the residents' sheets head by name
    workbook.save(year / "criteria.xlsx")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (name,) = find(report, "duplicate-item-name")
    assert name in report["warnings"]
    assert (name["file"], name["row"], name["value"]) == ("criteria.xlsx", 26, namesake)
    assert "A1" in name["message"] and "G3" in name["message"]
    columns = find(report, "ambiguous-item-column")
    assert columns and all(c["file"] == str(RESIDENTS) for c in columns)
    assert columns[0]["cell"] == "F2" and "(A1, G3)" in columns[0]["message"]
    # it said the column "is not an item of the criteria": it is the name of two
    assert not [p for p in find(report, "unknown-item") if p["value"] == "居委会依法选举"]


def test_a_header_row_repeated_below_is_skipped_with_one_warning(cli: Cli, year: Path) -> None:
    rows = read_csv(year / OFFICE)
    write_csv(year / OFFICE, [*rows[:45], rows[0], *rows[45:]])  # the header again as row 46
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[2]]
    sheet.insert_rows(10)
    for column, value in enumerate(header, start=1):
        sheet.cell(10, column, value)
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    # it was an error for every cell of the row ('评分组' is not a rater group, 'A1' is
    # not a number ...) and a date warning that showed '期'
    assert exit_code == 0, report["errors"][:3]
    repeated = find(report, "repeated-header-row")
    assert sorted((p["file"], p["row"]) for p in repeated) == [
        (str(OFFICE), 46),
        (str(RESIDENTS), 10),
    ]
    assert all(p in report["warnings"] and "header" in p["message"] for p in repeated)
    assert not find(report, "bad-date")
    result = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 9


def test_totals_rows_under_a_table_are_left_out_with_one_warning_each(cli: Cli, year: Path) -> None:
    """A 合计 row under the office sheet was an unknown community, a blank group and
    rater, and a score above the maximum in every item column: 26 errors for one row."""
    before = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    rows = read_csv(year / OFFICE)
    width = len(rows[0])
    sums = [str(sum(float(r[i]) for r in rows[1:])) for i in range(5, width)]
    write_csv(year / OFFICE, [*rows, ["合 计：", "", "", "", "", *sums], ["平均", *[""] * 5]])
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    sheet = workbook.worksheets[0]
    last = sheet.max_row + 1
    sheet.cell(last, 2, "Total")  # the first cell left blank, as under a 序号 column
    sheet.cell(last, 6, 140)
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"][:3]
    totals = find(report, "totals-row")
    assert sorted((p["file"], p["row"], p["value"]) for p in totals) == [
        (str(OFFICE), len(rows) + 1, "合 计："),
        (str(OFFICE), len(rows) + 2, "平均"),
        (str(RESIDENTS), last, "Total"),
    ]
    assert all(p in report["warnings"] for p in totals)
    after = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    assert after.exit_code == 0 and json.loads(after.stdout) == json.loads(before.stdout)


def test_every_closing_word_passes_the_quick_look() -> None:
    """The quick look at a file's last bytes must never rule out a real closing row,
    quoted or not, after a blank cell or not."""
    from starcommunity.io.headers import FOOTER_ROW_PREFIXES, TOTALS_ROW_KEYS
    from starcommunity.io.tables import _csv_may_have_closing_rows

    for word in TOTALS_ROW_KEYS | set(FOOTER_ROW_PREFIXES):
        for line in (f"{word},,3", f',"{word}",3', f'"{word}：",,'):
            text = f"社区编号,评分组,A1\r\nA01,office,3\r\n{line}\r\n"
            assert _csv_may_have_closing_rows(text.encode("utf-8"), ","), line


@pytest.mark.parametrize(
    ("last_lines", "expected"),
    [
        ("A01,office,O01,3\r\n", False),
        ("A01,office,O01,3\r\n合计,,,30\r\n", True),
        ('A01,office,O01,3\r\n,"合 计",,30\r\n,,,,\r\n,,,,\r\n', True),  # after a blank cell
        ("A01,office,O01,3\r\n制表人：王芳,,审核人：李明,\r\n", True),
        ("平均,,,3\r\n" + "".join(f"A0{n},office,O0{n},3\r\n" for n in range(2, 8)), False),
        ("A01,评分,O01,3\r\n", False),  # only the first filled-in cell counts
    ],
)
def test_the_quick_look_at_a_csv_finds_its_closing_rows(last_lines: str, expected: bool) -> None:
    from starcommunity.io.tables import _csv_may_have_closing_rows

    text = "社区编号,评分组,评分人编号,A1\r\n" + last_lines
    assert _csv_may_have_closing_rows(text.encode("utf-8"), ",") is expected


def test_notes_and_signatures_under_a_table_and_its_extra_columns_are_left_alone(
    cli: Cli, year: Path
) -> None:
    """A 序号 column, a 备注 column, and 制表人/审核人 and 注： lines under the office
    sheet, as on a printed form: an unknown item, and every cell of each line an error."""
    before = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    rows = read_csv(year / OFFICE)
    rows = [["序号", *rows[0], "备注"]] + [[str(n), *r, ""] for n, r in enumerate(rows[1:], 1)]
    signatures = ["制表人：王芳", "", "审核人：李明", "", "日期：2008年12月10日"]
    write_csv(year / OFFICE, [*rows, [], signatures, ["注：本表由评估小组填写。"]])
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"][:3]
    footers = find(report, "footer-row")
    assert [(p["row"], p["value"]) for p in footers] == [
        (len(rows) + 2, "制表人：王芳"),
        (len(rows) + 3, "注：本表由评估小组填写。"),
    ]
    assert all(p in report["warnings"] and "signature" in p["message"] for p in footers)
    after = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    assert after.exit_code == 0 and json.loads(after.stdout) == json.loads(before.stdout)


def test_a_row_that_only_mentions_a_total_is_still_data(cli: Cli, year: Path) -> None:
    """Only the first filled-in cell counts: a rater named 平均 is a rater."""
    rows = read_csv(year / OFFICE)
    rows[-1][3] = "平均"  # the rater's name
    write_csv(year / OFFICE, rows)
    exit_code, report = problems(cli, year)
    assert exit_code == 0 and not find(report, "totals-row")


def test_ids_stored_as_numbers_beside_padded_ones_are_warned_about(cli: Cli, year: Path) -> None:
    """A roster kept in Excel with household numbers typed as 0001 (text) and, in two
    rows, as numbers: Excel had made 0007 into 7 without a word, and the draw's
    one-per-household rule would take 7 and 0007 for two households."""
    rows = read_csv(year / "roster.csv", "utf-8-sig")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["居民名册"])  # a title row, as clerks keep
    sheet.append(rows[0])
    for number, row in enumerate(rows[1:], start=1):
        row[3] = f"{number % 50:04d}"
        sheet.append(row)
    sheet.cell(5, 4).value = 7  # rows 5 and 9 of the sheet: numbers, zeros lost
    sheet.cell(9, 4).value = 12
    sheet.cell(10, 4).value = 8.0
    sheet.cell(10, 4).number_format = "0000"  # shown as 0008 in Excel, still 8
    (year / "roster.csv").unlink()
    workbook.save(year / "roster.xlsx")
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"][:3]
    lost = find(report, "id-number-lost-zeros")
    assert [(p["file"], p["row"], p["value"]) for p in lost] == [
        ("roster.xlsx", 5, "7"),
        ("roster.xlsx", 9, "12"),
        ("roster.xlsx", 10, "8"),
    ]
    assert "0007" in lost[0]["message"] and "户号 (D)" in lost[0]["column"]
    assert all(p in report["warnings"] for p in lost)


def test_full_width_ids_in_workbooks_are_repaired_with_a_warning(cli: Cli, year: Path) -> None:
    """SPEC 6: each repair is reported. In a CSV a full-width ＮＭＦ０２ was; in a
    workbook (a score sheet, a roster) it was repaired without a word."""
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    sheet = workbook.worksheets[1]
    header_row = next(
        row[0].row for row in sheet.iter_rows() if row[0].value in ("社区编号", "community_id")
    )
    cell = sheet.cell(header_row + 1, 1)
    written = unicodedata.normalize("NFKC", str(cell.value))
    cell.value = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in written)
    workbook.save(year / RESIDENTS)
    rows = read_csv(year / "roster.csv", "utf-8-sig")
    roster = openpyxl.Workbook()
    for row in rows:
        roster.active.append(row)
    roster.active.cell(3, 2).value = "ＮＭＦ０１－０００２"
    (year / "roster.csv").unlink()
    roster.save(year / "roster.xlsx")
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"][:3]
    repaired = {(p["file"], p["row"]): p for p in find(report, "text-normalised")}
    assert repaired[(str(RESIDENTS), header_row + 1)]["value"] == cell.value
    assert repaired[("roster.xlsx", 3)]["message"].count("ＮＭＦ０１－０００２") == 1
    assert all(p in report["warnings"] for p in repaired.values())


def test_unknown_flag(cli: Cli, year: Path) -> None:
    rows = read_csv(year / "flags.csv", "utf-8")
    rows.append(["NMF03", "乱扔垃圾", "2008-09-01", ""])
    write_csv(year / "flags.csv", rows, "utf-8")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (problem,) = find(report, "unknown-flag")
    assert (problem["file"], problem["row"], problem["value"]) == ("flags.csv", 3, "乱扔垃圾")


def test_a_flag_listed_twice_is_warned_about_and_counts_once(cli: Cli, year: Path) -> None:
    """Pasted twice, or once as the code and once in the document's words: it was
    accepted without a word. Two unknown flags of one community are no such pair."""
    rows = read_csv(year / "flags.csv", "utf-8")
    community, wording = rows[1][0], rows[1][1]
    rows.append([community, "major_accident", "2008-08-15", "同一事件"])
    rows.append([community, wording, "2008-08-15", ""])
    rows.append(["NMF03", "乱扔垃圾", "2008-09-01", ""])
    rows.append(["NMF03", "乱停车", "2008-09-02", ""])
    write_csv(year / "flags.csv", rows, "utf-8")
    exit_code, report = problems(cli, year)
    assert exit_code == 1  # the two unknown flags
    twice = find(report, "duplicate-flag")
    assert [(p["row"], p["value"]) for p in twice] == [(3, "major_accident"), (4, wording)]
    assert all(p in report["warnings"] and "row 2" in p["message"] for p in twice)
    rows = rows[:-2]
    write_csv(year / "flags.csv", rows, "utf-8")
    result = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    assert result.exit_code == 0
    (flagged,) = [c for c in json.loads(result.stdout) if c["community_id"] == community]
    assert flagged["disqualified"] == ["major_accident"]


def test_scheme_weights_and_policy(cli: Cli, year: Path) -> None:
    scheme = (year / "scheme.toml").read_text(encoding="utf-8")
    scheme = scheme.replace("residents = 0.70", "residents = 0.60")
    scheme = scheme.replace('policy = "thirds"', 'policy = "lottery"')
    (year / "scheme.toml").write_text(scheme, encoding="utf-8")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (weights,) = find(report, "weights-not-one")
    assert weights["value"] == 0.9
    (policy,) = find(report, "unknown-star-policy")
    assert policy["value"] == "lottery"


@pytest.mark.parametrize(
    ("edit", "code", "column"),
    [
        # a misspelt section or key used to be ignored: the defaults ranked, exit 0
        (("[weights]", "[weight]"), "scheme-unknown-key", "weight"),
        (("trim = 0", "trimm = 1"), "scheme-unknown-key", "scoring.trimm"),
        (
            ('policy = "thirds"', 'policy = "shares"\nfive_share = 0.3'),
            "scheme-unknown-key",
            "stars.five_share",
        ),
        # five = 80 below four = 90: nobody could get four stars
        (
            ('policy = "thirds"', 'policy = "thresholds"\nfive = 80\nfour = 90\nthree = 60'),
            "thresholds-out-of-order",
            "stars",
        ),
        # a window that ends before it starts warned about every date on every sheet
        (
            (
                'residents = ["2008-11-26", "2008-12-10"]',
                'residents = ["2008-12-10", "2008-11-26"]',
            ),
            "timeline-reversed",
            "timeline.residents",
        ),
        # a group misspelt in a section of groups; its message said "Row ?"
        (("residents = 0.70", "resident = 0.70"), "scheme-unknown-key", "weights.resident"),
        (("five = 20000", "five_stars = 20000"), "scheme-unknown-key", "rewards.five_stars"),
    ],
)
def test_scheme_mistakes_are_errors_not_ignored(
    cli: Cli, year: Path, edit: tuple[str, str], code: str, column: str
) -> None:
    path = year / "scheme.toml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (problem,) = find(report, code)
    assert problem["file"] == "scheme.toml" and problem["column"] == column
    assert "scheme.toml" in problem["message"] and "Row ?" not in problem["message"]
    assert not find(report, "date-outside-window")
    result = cli("rank", "--root", year.parent, "--year", year.name)
    assert result.exit_code == 1 and code in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("ending", "shown"),
    [("\x1c", "U+001C"), ("\u2028", "U+2028"), ("\x85", "U+0085"), ("\x0b", "U+000B")],
)
def test_lines_ended_by_no_line_break_are_named_not_read_as_one(
    cli: Cli, year: Path, ending: str, shown: str
) -> None:
    roster = year / "roster.csv"
    text = roster.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    roster.write_text(text.replace("\n", ending), encoding="utf-8-sig")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (odd,) = find(report, "csv-odd-line-breaks")
    assert (odd["file"], odd["row"], odd["value"]) == ("roster.csv", 1, shown)
    assert "Save it again as 'CSV UTF-8'" in odd["message"]
    # the roster is not read, so the representatives are not each said to be missing
    assert not find(report, "rep-not-in-roster")


def test_odd_characters_in_cells_and_lone_cr_line_ends_are_read(cli: Cli, year: Path) -> None:
    roster = year / "roster.csv"
    lines = roster.read_text(encoding="utf-8-sig").replace("\r\n", "\n").splitlines()
    lines[3] = lines[3].replace(",", ",\u2028", 1)  # inside a cell, beside line breaks
    roster.write_text("\r".join(lines) + "\r", encoding="utf-8-sig")
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"]
    assert not find(report, "csv-odd-line-breaks")
    assert not find(report, "rep-not-in-roster")


def test_empty_and_corrupt_files(cli: Cli, year: Path) -> None:
    (year / "flags.csv").write_bytes(b"")
    (year / "reps.csv").write_bytes(b" \r\n\t\n")  # only white space: empty too
    (year / "sheets" / "extra.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    assert [p["file"] for p in find(report, "empty-file")] == ["reps.csv", "flags.csv"]
    assert [p["file"] for p in find(report, "not-a-workbook")] == ["sheets/extra.xlsx"]


def test_undecodable_bytes_name_the_line(cli: Cli, year: Path) -> None:
    data = (year / OFFICE).read_bytes().split(b"\n")
    data[3] = data[3] + b"\xff\xfe\xff"
    (year / OFFICE).write_bytes(b"\n".join(data))
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (problem,) = find(report, "unknown-encoding")
    assert (problem["file"], problem["row"], problem["value"]) == (str(OFFICE), 4, "0xFF")


def test_merged_header_cells_are_an_error(cli: Cli, year: Path) -> None:
    workbook = openpyxl.load_workbook(year / "sheets" / "区农委评分.xlsx")
    sheet = workbook.active
    header_row = next(cell.row for cell in sheet["A"] if cell.value in ("community_id", "社区编号"))
    sheet.merge_cells(start_row=header_row, start_column=4, end_row=header_row, end_column=5)
    workbook.save(year / "sheets" / "区农委评分.xlsx")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (problem,) = find(report, "merged-header")
    assert problem["row"] == header_row
    assert problem["value"] == f"D{header_row}:E{header_row}"


def test_utf8_english_headers_and_bom_are_read_alike(cli: Cli, year: Path) -> None:
    rows = read_csv(year / "communities.csv")
    rows[1] = ["community_id", "name", "area"]
    (year / "communities.csv").write_bytes(
        "\ufeff".encode() + "\r\n".join(",".join(r) for r in rows[1:]).encode("utf-8")
    )
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"]


def test_inputs_are_never_changed(cli: Cli, year: Path) -> None:
    edit_office(year, 5, "B2", "x")
    before = folder_digest(year.parent)
    for fmt in ("table", "json", "csv"):
        cli("validate", "--root", year.parent, "--year", year.name, "--format", fmt)
    assert folder_digest(year.parent) == before


def test_missing_year_folder_is_a_usage_error(cli: Cli, year: Path) -> None:
    result = cli("validate", "--root", year.parent, "--year", "1999")
    assert result.exit_code == 2
    assert "1999" in result.stderr
    assert result.stdout == ""


def test_table_output_goes_to_stdout_and_summary_to_stderr(cli: Cli, year: Path) -> None:
    edit_office(year, 5, "B2", "x")
    result = cli("validate", "--root", year.parent, "--year", year.name)
    assert result.exit_code == 1
    assert "score-not-number" in result.stdout
    assert "NOT valid" in result.stderr
    assert "\x1b[" not in result.stdout  # no colour when not a terminal


def test_help_does_not_import_pandas() -> None:
    code = (
        "import sys; from starcommunity.cli import app; from typer.testing import CliRunner;"
        "CliRunner().invoke(app, ['--help']);"
        "bad = [m for m in ('pandas', 'openpyxl', 'python_calamine') if m in sys.modules];"
        "print(','.join(bad))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == ""


def test_groups_in_the_documents_long_wording_are_understood(cli: Cli, year: Path) -> None:
    rows = read_csv(year / OFFICE)
    for row in rows[1:]:
        row[1] = "地区办事处星级和谐社区创建和评估小组"
    write_csv(year / OFFICE, rows)
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"]


def test_piped_help_is_plain_and_imports_neither_rich_nor_pandas() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "starcommunity", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("Usage:")
    assert "rank" in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert not imported & {"pandas", "openpyxl", "python_calamine", "rich", "rich.console"}


def test_a_command_run_does_not_pay_for_pydantic(root: Path) -> None:
    """typer 0.29 builds a pydantic adapter per option on every run (0.13 s a command)."""
    command = ["validate", "--root", str(root), "--year", "2008", "--format", "json"]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "starcommunity", *command],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "pandas" in imported
    assert "pydantic" not in imported


def test_every_check_names_the_column_by_its_header_as_written(cli: Cli, year: Path) -> None:
    """The checks that run after reading named columns as the tool does ('flag',
    'resident_id'); the clerk looks for the header in the file."""
    (year / "flags.csv").write_text(
        "社区编号,取消资格情形,日期,备注\r\nNMF05,重大安全事故,2008-08-15,x\r\n", encoding="utf-8"
    )
    roster = year / "roster.csv"
    lines = roster.read_text(encoding="utf-8-sig").splitlines()
    lines.append(lines[1])  # a resident listed twice
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    edit_office(year, 3, "社区编号", "NMF99")
    code, report = problems(cli, year)
    assert code == 1
    (flag,) = find(report, "unknown-flag")
    assert (flag["column"], flag["cell"]) == ("取消资格情形 (B)", "B2")
    assert flag["message"].startswith("Row 2, 取消资格情形 (B):")
    (twice,) = find(report, "duplicate-resident")
    assert (twice["file"], twice["column"]) == ("roster.csv", "居民编号 (B)")
    assert "(first in row 2)" in twice["message"]
    unknown = [p for p in find(report, "unknown-community") if p["file"] == str(OFFICE)]
    assert [(p["column"], p["cell"]) for p in unknown] == [("社区编号 (A)", "A3")]


def test_a_flag_dated_in_another_year_is_warned_about_and_still_counts(
    cli: Cli, year: Path
) -> None:
    (year / "flags.csv").write_text(
        "社区编号,取消资格情形,日期,备注\r\nNMF05,发生重大安全事故,2007-08-15,去年的\r\n",
        encoding="utf-8",
    )
    code, report = problems(cli, year)
    assert code == 0
    (other,) = find(report, "flag-other-year")
    assert other in report["warnings"]
    assert (other["file"], other["row"], other["column"]) == ("flags.csv", 2, "日期 (C)")
    assert "2007-08-15" in other["message"] and "NMF05" in other["message"]
    rank_code, ranking = cli.json("rank", "--root", year.parent, "--year", year.name)
    assert rank_code == 0
    (nmf05,) = [c for c in ranking if c["community_id"] == "NMF05"]
    assert nmf05["stars"] is None and nmf05["disqualified"] == ["major_accident"]


def test_a_scheme_saved_in_gbk_is_read_with_a_warning(cli: Cli, year: Path) -> None:
    """Notepad on a Chinese Windows saves as GBK unless told otherwise; the file said
    only 'not UTF-8', and the year could not be ranked."""
    path = year / "scheme.toml"
    text = path.read_text(encoding="utf-8").replace("residents = 30", "residents = 29")
    path.write_bytes(text.encode("gbk"))
    exit_code, report = problems(cli, year)
    (gbk,) = find(report, "scheme-not-utf8")
    assert gbk in report["warnings"] and "Save it as UTF-8" in gbk["message"]
    # read as written: 29 residents expected, so each community's 30 is one too many
    assert exit_code == 1 and find(report, "wrong-rater-count")
    path.write_bytes(b"[weights]\ncommittee = 0.15 # \x80\xff\n")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (unreadable,) = find(report, "scheme-unreadable")
    assert "not UTF-8 (nor GBK)" in unreadable["message"]


@pytest.mark.parametrize("suffix", [".xls", ".et", ".ods"])
def test_a_spreadsheet_saved_in_a_form_not_read_is_named_not_skipped(
    cli: Cli, year: Path, suffix: str
) -> None:
    # Excel 97-2003 (.xls) or WPS (.et): the committee's scores and the roster were
    # passed over in silence, and validate said the year was valid (exit 0)
    committee = year / "sheets" / "区农委评分.xlsx"
    committee.rename(committee.with_suffix(suffix))
    (year / "roster.csv").rename(year / f"roster{suffix}")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    found = find(report, "unsupported-file-type")
    assert {p["file"] for p in found} == {f"sheets/区农委评分{suffix}", f"roster{suffix}"}
    assert all(p["value"] == suffix for p in found)
    assert "nothing in this file counts" in found[0]["message"]
    assert "save it as .xlsx" in found[0]["message"]


@pytest.mark.parametrize(
    ("name", "delimiter", "encoding", "shown"),
    [
        ("office_scores.txt", "\t", "utf-16", "tab"),  # Excel: Save As "Unicode Text"
        ("office_scores.csv", ";", "gbk", ";"),  # a list separator set to ';'
    ],
)
def test_a_sheet_separated_by_tabs_or_semicolons_is_read_with_a_warning(
    cli: Cli, year: Path, name: str, delimiter: str, encoding: str, shown: str
) -> None:
    # was: 'No header row found in the first 30 rows', exit 1, the office scores lost
    rows = read_csv(year / OFFICE)
    (year / OFFICE).unlink()
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    (year / "sheets" / name).write_bytes(buffer.getvalue().encode(encoding))
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"]
    (problem,) = find(report, "csv-delimiter")
    assert (problem["file"], problem["value"]) == (f"sheets/{name}", shown)
    assert f"separated by '{shown}', not by commas" in problem["message"]
    assert not find(report, "group-missing")
    _, ranked = cli.json("rank", "--root", year.parent, "--year", year.name)
    office = {c["community_id"]: c["office"] for c in ranked}
    assert office["NMF01"] is not None


def test_a_duplicate_rater_in_another_sheet_names_that_sheet(cli: Cli, year: Path) -> None:
    # an old draft kept as a hidden sheet: every row was 'also row 3', which pointed at
    # the hidden sheet's own row 3, not at the sheet the clerk sees
    path = year / "sheets" / "区农委评分.xlsx"
    workbook = openpyxl.load_workbook(path)
    draft = workbook.copy_worksheet(workbook.active)
    draft.title = "旧稿"
    draft.sheet_state = "hidden"
    workbook.save(path)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    first = find(report, "duplicate-rater")[0]
    assert (first["sheet"], first["row"]) == ("旧稿", 3)
    assert "(also row 3 of sheet '区农委' in sheets/区农委评分.xlsx)" in first["message"]
    _, report = problems(cli, year, "--lang", "zh")
    assert (
        "另见sheets/区农委评分.xlsx工作表“区农委”第3行"
        in find(report, "duplicate-rater")[0]["message"]
    )
    # within one sheet the row alone says it, as before
    edit_office(year, 4, "评分人编号", "O01")
    _, report = problems(cli, year)
    (office,) = [p for p in find(report, "duplicate-rater") if p["file"] == str(OFFICE)]
    assert office["message"].endswith("more than once (also row 2). Remove the extra row.")


def test_merged_cells_below_the_header_are_named(cli: Cli, year: Path) -> None:
    # was only 'Row 4, community_id (A) is blank. Fill it in.' for a cell showing NMF01
    path = year / "sheets" / "区农委评分.xlsx"
    workbook = openpyxl.load_workbook(path)
    workbook.active.merge_cells("A3:A4")
    workbook.save(path)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (merged,) = find(report, "merged-data-cells")
    assert (merged["file"], merged["sheet"], merged["value"]) == (
        "sheets/区农委评分.xlsx",
        "区农委",
        "A3:A4",
    )
    assert "Unmerge them and fill in every cell" in merged["message"]
    assert [p["row"] for p in find(report, "blank-value")] == [4]


def test_a_non_breaking_space_is_read_plain_and_said_so(cli: Cli, year: Path) -> None:
    """Copied from a web page or Word, a name can carry a non-breaking space; it is read
    as a plain space, and the warning does not call it a full-width character."""
    rows = read_csv(year / OFFICE)
    assert rows[2][3] == "冯建国"  # GBK cannot hold U+00A0: the sheet is saved as UTF-8
    rows[2][3] = "冯\u00a0建国"
    write_csv(year / OFFICE, rows, encoding="utf-8-sig")
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"][:3]
    (plain,) = [p for p in find(report, "text-normalised") if p["file"] == str(OFFICE)]
    assert plain["row"] == 3 and "non-breaking space" in plain["message"]


def test_a_community_id_in_another_case_or_spacing_is_named(cli: Cli, year: Path) -> None:
    # 'nmf01' was only 'not in communities', though NMF01 is listed
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    workbook["欢乐谷社区"]["A3"] = "nmf01"
    workbook["欢乐谷社区"]["A4"] = "NMF 01"
    workbook.save(year / RESIDENTS)
    edit_office(year, 2, "社区编号", "nmf-02")
    edit_office(year, 3, "社区编号", "NMF99")  # like no listed community: no hint
    flags = year / "flags.csv"
    flags.write_text(flags.read_text("utf-8").replace("NMF05,", "Nmf05,"), "utf-8")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    unknown = {
        (p["file"], p["row"], p["value"]): p["message"] for p in find(report, "unknown-community")
    }
    assert unknown[(str(RESIDENTS), 3, "nmf01")].endswith(
        "is not in communities. Correct the id or add the community. Did you mean NMF01?"
    )
    assert unknown[(str(RESIDENTS), 4, "NMF 01")].endswith("Did you mean NMF01?")
    assert unknown[(str(OFFICE), 2, "nmf-02")].endswith("Did you mean NMF02?")
    assert unknown[("flags.csv", 2, "Nmf05")].endswith("Did you mean NMF05?")
    assert unknown[(str(OFFICE), 3, "NMF99")] == (
        "Row 3, 社区编号 (A): community 'NMF99' is not in communities. Correct the id or add "
        "the community."
    )
    _, report = problems(cli, year, "--lang", "zh")
    zh = {(p["row"], p["value"]): p["message"] for p in find(report, "unknown-community")}
    assert zh[(3, "nmf01")] == (
        "第3行社区编号（A列）：社区“nmf01”不在参评社区名单中，请更正编号或补充社区。是否应为NMF01？"
    )
    assert zh[(3, "NMF99")].endswith("请更正编号或补充社区。")


def digits_only_ids(year: Path, community: str) -> None:
    """The residents of one community numbered 0001, 0002 ... as many offices do (in the
    roster, reps and the residents' sheet), in place of NMF01-0001."""
    for name in ("roster.csv", "reps.csv"):
        path = year / name
        path.write_text(path.read_text("utf-8-sig").replace(f"{community}-0", "0"), "utf-8-sig")
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    for sheet in workbook:
        for (cell,) in sheet.iter_rows(min_col=3, max_col=3):
            if isinstance(cell.value, str) and cell.value.startswith(f"{community}-0"):
                cell.value = cell.value.removeprefix(f"{community}-")
    workbook.save(year / RESIDENTS)


def test_a_rater_id_that_lost_its_leading_zeros_in_excel_is_named(cli: Cli, year: Path) -> None:
    # 0053 typed in a General cell is stored as the number 53; the clerk sees 0053 under
    # a '0000' format, and the message said only that '53' was not drawn
    digits_only_ids(year, "NMF01")
    assert problems(cli, year)[0] == 0
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    sheet = workbook["欢乐谷社区"]
    assert sheet["C3"].value == "0053"
    sheet["C3"] = 53
    sheet["C3"].number_format = "0000"
    sheet["C4"] = 9999  # no drawn 9999: no hint
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 1  # still an error: the value is not repaired
    first, second = find(report, "rater-not-drawn")
    assert (first["sheet"], first["row"], first["value"]) == ("欢乐谷社区", 3, "53")
    assert first["message"] == (
        "Row 3, 评分人编号 (C): resident rater '53' is not a drawn representative or alternate "
        "of NMF01. Check the id against reps.csv. Did you mean 0053? Excel may have dropped "
        "its leading zeros: store the cell as text (format the column as Text, or type an "
        "apostrophe first: '0053)."
    )
    assert second["message"] == (
        "Row 4, 评分人编号 (C): resident rater '9999' is not a drawn representative or "
        "alternate of NMF01. Check the id against reps.csv."
    )
    _, report = problems(cli, year, "--lang", "zh")
    assert find(report, "rater-not-drawn")[0]["message"] == (
        "第3行评分人编号（C列）：居民评分人“53”不是NMF01社区抽取的代表或候补，请对照reps.csv核对。"
        "是否应为0053？Excel可能去掉了编号开头的0：请把该单元格存为文本"
        "（将该列设置为“文本”格式，或先输入英文单引号再输入：'0053）。"
    )


def test_a_rep_id_that_lost_its_leading_zeros_is_named(cli: Cli, year: Path) -> None:
    # reps opened and saved again in Excel: 0053 became 53
    digits_only_ids(year, "NMF01")
    reps = year / "reps.csv"
    text = reps.read_text("utf-8-sig")
    assert "NMF01,1,0053," in text
    reps.write_text(text.replace("NMF01,1,0053,", "NMF01,1,53,"), "utf-8-sig")
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (rep,) = find(report, "rep-not-in-roster")
    assert (rep["file"], rep["row"], rep["value"]) == ("reps.csv", 2, "53")
    assert rep["message"] == (
        "Row 2, resident_id (C): representative '53' is not in the roster of NMF01. Did you "
        "mean 0053? Excel may have dropped its leading zeros: store the cell as text (format "
        "the column as Text, or type an apostrophe first: '0053)."
    )
    # the sheet's 0053 is then not drawn: no hint that way round (0053 is no number)
    (rater,) = find(report, "rater-not-drawn")
    assert rater["value"] == "0053" and rater["message"].endswith("against reps.csv.")


def test_a_community_id_that_lost_its_leading_zeros_is_named(cli: Cli, year: Path) -> None:
    rows = read_csv(year / "communities.csv")
    rows.append(["0107", "新社区", "南磨房地区"])
    write_csv(year / "communities.csv", rows)
    flags = year / "flags.csv"
    flags.write_text(flags.read_text("utf-8") + "107,发生重大安全事故,2008-08-16,\r\n", "utf-8")
    _, report = problems(cli, year)
    (unknown,) = find(report, "unknown-community")
    assert (unknown["file"], unknown["row"], unknown["value"]) == ("flags.csv", 3, "107")
    assert (
        "is not in communities. Correct the id or add the community. Did you mean 0107? "
        in (unknown["message"])
    )
    assert "leading zeros" in unknown["message"]


def test_the_hint_names_one_listed_id_or_none() -> None:
    import pandas as pd

    from starcommunity.problems import Report
    from starcommunity.validate import check_membership

    values = ["53", "7", "nmf-01", "x1", "NMF01-0053", "053"]
    frame = pd.DataFrame(
        {"id": values, "_file": "f.csv", "_sheet": None, "_row": range(2, 2 + len(values))},
        dtype=object,
    )
    # 7: both 007 and 0007 would fit; x1: both X1 and X-1; NMF01-0053 and NMF01-53 are
    # not all digits; 053 has a leading zero (no value Excel writes for 0053)
    known = pd.Series(["0053", "007", "0007", "NMF01", "X1", "X-1", "NMF01-53"], dtype=object)
    report = Report()
    check_membership(frame, "id", known, "unknown-community", report, suggest=True)
    hints = {p.value: dict(p.params).get("suggest") for p in report.problems}
    assert hints == {
        "53": "0053",
        "7": None,
        "nmf-01": "NMF01",
        "x1": None,
        "NMF01-0053": None,
        "053": None,
    }
    plain = Report()
    check_membership(frame, "id", known, "unknown-community", plain)
    assert all(p.params == () for p in plain.problems)


def test_a_resident_hint_is_one_resident_of_that_community_or_none() -> None:
    import pandas as pd

    from starcommunity.validate import _ids_by_zeros

    reps = pd.DataFrame(
        {
            "community_id": ["C1", "C1", "C2", "C2", "C3", "C3"],
            "resident_id": ["0053", "0100", "053", "0053", "0007", "A-0007"],
        },
        dtype=object,
    )
    reported = [("C1", "53"), ("C2", "53"), ("C3", "7"), ("C9", "53"), ("C1", "0100"), ("C1", "1")]
    near = _ids_by_zeros(reps, "resident_id", reported)
    # C2 has both 053 and 0053; no 0001 in C1; '0100' has its zeros
    assert {k: v for k, v in near.items() if v is not None} == {
        ("C1", "53"): "0053",
        ("C3", "7"): "0007",
    }
    assert near.get(("C2", "53"), "absent") is None


def test_a_rater_id_in_another_case_or_spacing_is_named(cli: Cli, year: Path) -> None:
    # 'nmf01-0053' was only 'not a drawn representative', though NMF01-0053 is drawn
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    sheet = workbook["欢乐谷社区"]
    assert (sheet["C3"].value, sheet["C4"].value) == ("NMF01-0053", "NMF01-0226")
    sheet["C3"] = "nmf01-0053"
    sheet["C4"] = "NMF01 - 0226"
    sheet["C5"] = " NMF01-0111 "  # spaces around are stripped on reading: no problem
    sheet["C6"] = "NMF02-0168"  # like no rep of NMF01 (a rep of NMF02 is none): no hint
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 1  # still errors: the values are not repaired
    messages = {(p["row"], p["value"]): p["message"] for p in find(report, "rater-not-drawn")}
    assert set(messages) == {(3, "nmf01-0053"), (4, "NMF01 - 0226"), (6, "NMF02-0168")}
    assert messages[(3, "nmf01-0053")] == (
        "Row 3, 评分人编号 (C): resident rater 'nmf01-0053' is not a drawn representative or "
        "alternate of NMF01. Check the id against reps.csv. Did you mean NMF01-0053?"
    )
    assert messages[(4, "NMF01 - 0226")].endswith("Did you mean NMF01-0226?")
    assert messages[(6, "NMF02-0168")].endswith("Check the id against reps.csv.")
    _, report = problems(cli, year, "--lang", "zh")
    zh = {p["row"]: p["message"] for p in find(report, "rater-not-drawn")}
    assert zh[3] == (
        "第3行评分人编号（C列）：居民评分人“nmf01-0053”不是NMF01社区抽取的代表或候补，"
        "请对照reps.csv核对。是否应为NMF01-0053？"
    )
    # the csv output, as a rich table may wrap a message anywhere
    result = cli("validate", "--root", year.parent, "--year", year.name, "--format", "csv")
    assert result.exit_code == 1
    assert "Did you mean NMF01-0053?" in result.stdout


def test_a_rater_hint_is_one_rep_of_that_community_or_none() -> None:
    from starcommunity.validate import _NearIds

    near = _NearIds(
        ["NMF01-0053", "0053", "NMF02-0053", "A-1", "A1"], ["C1", "C1", "C2", "C3", "C3"]
    )
    assert near.params("nmf01-0053", "C1") == {
        "suggest": "NMF01-0053",
        "suggest_why": "spelling",
    }
    assert near.params("53", "C1") == {"suggest": "0053", "suggest_why": "zeros"}
    assert near.params("nmf01-0053", "C2") == {}  # that ID is C1's
    assert near.params("a 1", "C3") == {}  # A-1 or A1
    assert near.params("53", "C9") == {}


def test_a_score_typed_with_a_comma_a_unit_or_a_percent_gets_a_hint(cli: Cli, year: Path) -> None:
    # The value stays an error (a guess must not change a total); the message says what
    # the clerk likely meant and how to write it.
    edit_office(year, 3, "A2", "4,5")
    edit_office(year, 4, "A2", "４，５")  # full-width, as a Chinese input method types it
    edit_office(year, 5, "A2", "4.5分")
    edit_office(year, 6, "A2", "5 分")
    edit_office(year, 7, "A2", "90%")
    edit_office(year, 8, "A2", "好")  # nothing like a number: no hint
    edit_office(year, 9, "A2", "4,500")  # a thousands separator, maybe: no hint
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    workbook["欢乐谷社区"]["F3"] = "4分"  # text in an Excel cell
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    bad = {(p["file"], p["row"]): p for p in find(report, "score-not-number")}
    office = {row: bad[(str(OFFICE), row)] for row in range(3, 10)}
    assert office[3]["cell"] == "G3"
    assert office[3]["message"] == (
        "Row 3, A2 (G): '4,5' is not a number. Enter a score as a number. Did you mean 4.5? "
        "Use a point for decimals, not a comma."
    )
    assert office[4]["message"].endswith("Did you mean 4.5? Use a point for decimals, not a comma.")
    assert office[5]["message"].endswith("Write the number alone, without 分 or another unit: 4.5.")
    assert office[6]["message"].endswith("Write the number alone, without 分 or another unit: 5.")
    assert office[7]["message"].endswith(
        "Scores are points, not a percent: enter the points this item earns, without %."
    )
    for row in (8, 9):
        assert office[row]["message"].endswith("Enter a score as a number.")
    assert bad[(str(RESIDENTS), 3)]["message"] == (
        "Row 3, 居委会依法选举 (F): '4分' is not a number. Enter a score as a number. Write "
        "the number alone, without 分 or another unit: 4."
    )
    _, report = problems(cli, year, "--lang", "zh")
    zh = {(p["file"], p["row"]): p["message"] for p in find(report, "score-not-number")}
    assert zh[(str(OFFICE), 3)] == (
        "第3行A2（G列）：“4,5”不是数字，请填写数字分数。"
        "是否应为4.5？小数点请用英文句点“.”，不要用逗号。"
    )
    assert zh[(str(OFFICE), 5)].endswith("请只填写数字，不要带“分”等单位：4.5。")
    assert zh[(str(OFFICE), 7)].endswith(
        "得分按分值填写，不是百分比：请填写该项所得分数，不要带%。"
    )
    assert zh[(str(OFFICE), 8)].endswith("请填写数字分数。")
    result = cli("validate", "--root", year.parent, "--year", year.name, "--format", "csv")
    assert result.exit_code == 1
    assert "Did you mean 4.5? Use a point for decimals" in result.stdout


def test_score_hints_are_worked_out_once_per_distinct_value(
    cli: Cli, year: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starcommunity.io import year as year_module

    rows = read_csv(year / OFFICE)
    column = rows[0].index("A2")
    for row in rows[1:]:
        row[column] = "4,5"
    rows[1][column] = "90%"
    write_csv(year / OFFICE, rows)
    seen: list[str] = []
    hint = year_module.score_hint
    monkeypatch.setattr(year_module, "score_hint", lambda text: seen.append(text) or hint(text))
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    bad = find(report, "score-not-number")
    assert len(bad) == len(rows) - 1 > 50
    assert sorted(seen) == ["4,5", "90%"]
    assert all("Did you mean 4.5?" in p["message"] for p in bad if p["value"] == "4,5")


COMMITTEE = Path("sheets/区农委评分.xlsx")


def test_a_formula_with_no_saved_value_is_named_in_the_blank_score_message(
    cli: Cli, year: Path
) -> None:
    # A workbook written by a script (openpyxl here) holds formulas without their
    # results until Excel or WPS saves it: the cell was read, and reported, as blank.
    workbook = openpyxl.load_workbook(year / COMMITTEE)
    sheet = workbook["区农委"]
    sheet["F3"] = "=4+0.5"
    sheet["G3"] = None  # blank, and no formula: the message as before
    workbook.save(year / COMMITTEE)
    exit_code, report = problems(cli, year)
    assert exit_code == 1  # still an error: the tool does not compute the formula
    blank = {p["cell"]: p["message"] for p in find(report, "score-blank")}
    assert blank == {
        "F3": "Row 3, A1 (F): the score is blank. Enter a score (0 is a score; blank is not). "
        "This cell holds a formula (=4+0.5) with no saved value: open the file in Excel or "
        "WPS and save it.",
        "G3": "Row 3, A2 (G): the score is blank. Enter a score (0 is a score; blank is not).",
    }
    _, report = problems(cli, year, "--lang", "zh")
    zh = {p["cell"]: p["message"] for p in find(report, "score-blank")}
    assert zh["F3"] == (
        "第3行A1（F列）：得分为空，请填写分数（0分也需填写）。"
        "该单元格是公式（=4+0.5），但没有保存计算结果：请用Excel或WPS打开该文件并保存。"
    )
    assert zh["G3"].endswith("（0分也需填写）。")
    result = cli("validate", "--root", year.parent, "--year", year.name, "--format", "csv")
    assert result.exit_code == 1
    assert "holds a formula (=4+0.5) with no saved value" in result.stdout


def test_unsaved_formulas_reads_only_formulas_without_a_value(tmp_path: Path) -> None:
    """Shared formulas, a saved empty text, a namespace prefix: as Excel and other
    writers put them."""
    import zipfile

    from starcommunity.io.tables import unsaved_formulas

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet = (
        f'<x:worksheet xmlns:x="{main}"><x:sheetData><x:row r="2">'
        '<x:c r="A2"><x:f t="shared" ref="A2:A3" si="0">B2*2</x:f></x:c>'
        '<x:c r="B2"><x:v>1</x:v></x:c>'
        '<x:c r="C2" t="str"><x:f>IF(B2&gt;5,"x","")</x:f><x:v></x:v></x:c>'
        '<x:c r="D2"><x:f>B2</x:f><x:v>1</x:v></x:c>'
        '</x:row><x:row r="3"><x:c r="A3"><x:f t="shared" si="0"/></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="表1" sheetId="1" r:id="rId7"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId7" Target="worksheets/s.xml" Type="x"/></Relationships>',
        )
        archive.writestr("xl/worksheets/s.xml", sheet)
    wanted = {"表1": {"A2", "A3", "B2", "C2", "D2"}, "其他": {"A2"}}
    assert unsaved_formulas(path, wanted) == {("表1", "A2"): "=B2*2", ("表1", "A3"): "=…"}
    assert unsaved_formulas(tmp_path / "missing.xlsx", wanted) == {}


def test_every_catalogued_code_is_emitted_and_every_emitted_code_catalogued() -> None:
    """messages.CATALOGUE holds no dead codes, and no literal code reaches a report
    without a message of its own (it would fall back to the generic text)."""
    import re

    from starcommunity.messages import CATALOGUE

    src = Path(__file__).resolve().parent.parent / "src" / "starcommunity"
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in src.rglob("*.py") if p.name != "messages.py"
    )
    quoted = set(re.findall(r'"([a-z0-9]+(?:-[a-z0-9]+)+)"', text))
    assert sorted(set(CATALOGUE) - quoted) == []
    emitted = set(re.findall(r'\.(?:add|warn)\(\s*"([a-z0-9-]+)"', text))
    assert emitted
    assert sorted(emitted - set(CATALOGUE)) == []


def test_rows_without_scores_are_one_problem_each(cli: Cli, year: Path) -> None:
    """Two communities' blocks stacked on one sheet (the second with its own title and
    header row) and a row holding only a name: each was an error in every score cell
    (26 for the title row), now one warning, and the ranking is that of the samples. A
    rater listed without scores is one error: a blank is not a zero (SPEC 3.1)."""
    before = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    first, second = workbook.worksheets[0], workbook.worksheets[1]
    below = first.max_row + 2  # one blank row between the blocks
    for r, values in enumerate(second.iter_rows(values_only=True)):
        for c, value in enumerate(values, start=1):
            first.cell(below + r, c, value)
    workbook.remove(second)
    name_only = first.max_row + 1
    first.cell(name_only, 4, "王某某")
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"][:3]
    left_out = find(report, "row-without-scores")
    assert [(p["row"], p["value"]) for p in left_out] == [
        (below, "平乐园社区居民代表民主评估打分表"),
        (name_only, "王某某"),
    ]
    assert all(p in report["warnings"] and p["sheet"] == first.title for p in left_out)
    assert find(report, "repeated-header-row")[0]["row"] == below + 1
    after = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    assert after.exit_code == 0
    assert json.loads(after.stdout) == json.loads(before.stdout)
    _, zh = problems(cli, year, "--lang", "zh")
    assert find(zh, "row-without-scores")[0]["message"].startswith(f"第{below}行所有指标均无分数")

    first.cell(name_only, 1, "NMF02")
    first.cell(name_only, 2, "居民代表")
    first.cell(name_only, 3, "NMF02-0001")
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (absent,) = report["errors"]  # not a blank score in each of the 23 item columns
    assert (absent["code"], absent["row"]) == ("rater-without-scores", name_only)
    assert "NMF02-0001" in absent["message"] and "delete the row" in absent["message"]


def _paste_second_sheet(year: Path, *, beside: bool, swap_items: bool = False) -> str:
    """The second community's sheet pasted on the first: below it after a blank row,
    or beside it from column AE; returns the first sheet's name."""
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    first, second = workbook.worksheets[0], workbook.worksheets[1]
    rows = [list(values) for values in second.iter_rows(values_only=True)]
    if swap_items:  # the second block's first two items in the other order
        for row in rows[1:]:
            row[5], row[6] = row[6], row[5]
    top, left = (1, 31) if beside else (first.max_row + 2, 1)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            first.cell(top + r, left + c, value)
    workbook.remove(second)
    workbook.save(year / RESIDENTS)
    return first.title


def test_a_second_table_beside_the_first_is_one_clear_error(cli: Cli, year: Path) -> None:
    """Columns A-AB and AE-BF: each column of the second table was an unknown item (28
    errors) and nothing said why; now one error names where it starts and what to do."""
    sheet = _paste_second_sheet(year, beside=True)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (beside,) = find(report, "table-beside-table")
    assert (beside["sheet"], beside["row"], beside["column"]) == (sheet, 2, "AE")
    assert beside["value"] == "社区编号"
    assert "sheet of its own" in beside["message"]
    assert not find(report, "unknown-item")
    # the first table is still read: only the second's community lacks its residents
    assert [p["message"][:5] for p in find(report, "group-missing")] == ["NMF02"]
    _, zh = problems(cli, year, "--lang", "zh")
    assert "AE列（“社区编号”）" in find(zh, "table-beside-table")[0]["message"]


def test_a_second_table_below_with_other_columns_is_not_read_under_the_first_header(
    cli: Cli, year: Path
) -> None:
    """A block pasted under the first with its items in another order: read under the
    first header, its scores went to the wrong items (here caught only because its
    header row was an error in every cell). Now one error, and its rows are not read."""
    sheet = _paste_second_sheet(year, beside=False, swap_items=True)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (other,) = find(report, "other-header-row")
    assert (other["sheet"], other["row"]) == (sheet, 35)
    assert "row 2" in other["message"] and "31 row(s)" in other["message"]
    assert not find(report, "unknown-community") and not find(report, "score-not-number")
    assert [p["message"][:5] for p in find(report, "group-missing")] == ["NMF02"]


def test_a_header_over_two_rows_says_so_and_how_to_make_it_one(cli: Cli, year: Path) -> None:
    """社区编号 ... merged down over rows 2-3 beside a category row 一、组织建设 over the
    item names: the message listed the ranges unsorted and said only 'unmerge them',
    which leaves the header in two rows. A category row above a one-row header is fine."""
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    sheet = workbook.worksheets[0]
    sheet.insert_rows(2)
    for column in range(1, 6):
        sheet.cell(2, column, sheet.cell(3, column).value)
        sheet.cell(3, column).value = None
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    sheet.cell(2, 6, "一、组织建设")
    sheet.merge_cells("F2:H2")
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 1
    (split,) = find(report, "header-over-rows")
    assert (split["sheet"], split["row"]) == (sheet.title, 2)
    assert split["message"].startswith(
        "The header is written over rows 2-3 (merged cells A2:A3, B2:B3, C2:C3, D2:D3, "
        "E2:E3, F2:H2); it must be one row."
    )
    _, zh = problems(cli, year, "--lang", "zh")
    assert find(zh, "header-over-rows")[0]["message"].startswith("表头占了第2至3行")
    # the same form with 社区编号 ... in the item row and only the category merged: read
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    sheet = workbook.worksheets[0]
    for column in range(1, 6):
        sheet.unmerge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
        sheet.cell(3, column, sheet.cell(2, column).value)
        sheet.cell(2, column).value = None
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"][:3]


def test_other_sheets_of_a_score_workbook_are_skipped_with_a_plain_warning(
    cli: Cli, year: Path
) -> None:
    """A 说明 sheet of instructions, a sheet holding only a title, one only formatted
    and a chart sheet: the ranking is the samples', and the warning for a sheet not
    read says why and that such a sheet may stay (it gave the English column codes)."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import PatternFill

    before = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    workbook = openpyxl.load_workbook(year / RESIDENTS)
    notes = workbook.create_sheet("说明", 0)
    notes["A1"] = "填表说明"
    notes["A2"] = "1. 每位居民代表对每项指标打分，分值见评估标准。"
    workbook.create_sheet("空表")["A1"] = "双龙西里社区居民代表民主评估打分表"
    workbook.create_sheet("Sheet3")["B2"].fill = PatternFill("solid", fgColor="FFFF00")
    chart = BarChart()
    chart.add_data(Reference(workbook.worksheets[1], min_col=6, min_row=2, max_row=10))
    workbook.create_chartsheet("图表").add_chart(chart)
    workbook.save(year / RESIDENTS)
    exit_code, report = problems(cli, year)
    assert exit_code == 0, report["errors"][:3]
    skipped = find(report, "sheet-without-header")
    assert [p["sheet"] for p in skipped] == ["说明", "空表"]
    assert all(p in report["warnings"] for p in skipped)
    assert "社区编号、评分组、评分人编号" in skipped[0]["message"]
    assert "may stay" in skipped[0]["message"]
    after = cli("rank", "--root", year.parent, "--year", year.name, "--format", "json")
    assert json.loads(after.stdout) == json.loads(before.stdout)
