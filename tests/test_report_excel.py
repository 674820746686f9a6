"""Tests for the Excel report: read back with openpyxl, never compared as bytes."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from starcommunity.evaluation import COMMUNITY_COLUMNS, Evaluation
from starcommunity.model import FLAGS, Scheme
from starcommunity.report.excel import write_report

EVIL = '=HYPERLINK("http://evil","x")'
ZH_TITLES = ["排名", "图表", "分组得分", "评分人得分", "取消资格", "审计"]
EN_TITLES = ["Ranking", "Chart", "Group scores", "Rater totals", "Disqualified", "Audit"]
SHA_A = "a" * 64
SHA_B = "0123456789abcdef" * 4


def make_evaluation(*, rewards: dict[str, float] | None = None) -> Evaluation:
    """Five communities: a tie for second place, one disqualified, one named like a formula."""
    scheme = Scheme(rewards=dict(rewards or {}))
    rows = [
        # id, name, area, committee, office, residents, total, exact, rank, stars, dq, prev, change
        ("C1", "团结湖社区", "南磨房", 95.0, 92.0, 90.5, 91.6, 91.625, 1, 5, [], 4, "up"),
        ("C2", EVIL, "南磨房", 88.0, 86.0, 85.0, 85.6, 85.6, 2, 4, [], 4, "same"),
        ("C3", "+1", "北区", 90.0, 84.0, 85.0, 85.6, 85.55, 2, 4, [], pd.NA, "new"),
        ("C4", "@SUM(A1)", "北区", 70.0, 72.0, 75.0, 73.8, 73.8, 4, 3, [], 5, "down"),
        (
            "C5",
            "平房社区",
            "南磨房",
            80.0,
            80.0,
            80.0,
            80.0,
            80.0,
            pd.NA,
            pd.NA,
            ["major_accident"],
            3,
            "",
        ),
    ]
    communities = pd.DataFrame(
        {
            "community_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "area": [r[2] for r in rows],
            "committee": [r[3] for r in rows],
            "office": [r[4] for r in rows],
            "residents": [r[5] for r in rows],
            "total": [r[6] for r in rows],
            "total_exact": [r[7] for r in rows],
            "rank": pd.array([r[8] for r in rows], dtype="Int64"),
            "stars": pd.array([r[9] for r in rows], dtype="Int64"),
            "disqualified": [r[10] for r in rows],
            "complete": [True] * len(rows),
            "missing": [[] for _ in rows],
            "reward": [
                float(scheme.rewards.get({5: "five", 4: "four", 3: "three"}[r[9]], math.nan))
                if r[9] is not pd.NA
                else math.nan
                for r in rows
            ],
            "previous_stars": pd.array([r[11] for r in rows], dtype="Int64"),
            "change": [r[12] for r in rows],
        }
    )[list(COMMUNITY_COLUMNS)]
    group_rows = []
    for r in rows:
        for group, score, count in (
            ("committee", r[3], 2),
            ("office", r[4], 10),
            ("residents", r[5], 30),
        ):
            group_rows.append((r[0], group, count, count, score))
    groups = pd.DataFrame(group_rows, columns=["community_id", "group", "raters", "used", "score"])
    raters = pd.DataFrame(
        {
            "community_id": ["C1", "C1", "C2"],
            "group": ["committee", "committee", "office"],
            "rater_id": ["Q01", "Q02", "B01"],
            "rater_name": ["张三", "李四", "-2+3"],
            "total": [95.0, 95.0, 86.0],
            "trimmed": [False, True, False],
            "_file": ["sheets/区农委评分.xlsx", "sheets/区农委评分.xlsx", "sheets/office.csv"],
            "_sheet": ["Sheet1", "Sheet1", None],
            "_row": [3, 4, 2],
        }
    )
    flags = pd.DataFrame(
        {
            "community_id": ["C5"],
            "flag_code": ["major_accident"],
            "wording": [FLAGS["major_accident"]],
            "date": ["2008-08-15"],
            "note": ["=1+1"],
        }
    )
    return Evaluation(
        year="2008",
        scheme=scheme,
        communities=communities,
        groups=groups,
        raters=raters,
        flags=flags,
        inputs=[
            {"file": "2008/communities.csv", "sha256": SHA_A, "bytes": 321},
            {"file": "2008/sheets/office.csv", "sha256": SHA_B, "bytes": 4567},
        ],
        tool_version="0.1.0",
        generated_at="2008-12-31T10:00:00+08:00",
    )


def write(tmp_path: Path, evaluation: Evaluation, lang: str = "zh", name: str = "r.xlsx"):
    path = tmp_path / name
    write_report(path, evaluation, lang=lang)
    return load_workbook(path)


def header_index(worksheet, header: str) -> int:
    headers = [cell.value for cell in worksheet[1]]
    return headers.index(header) + 1


def all_values(workbook) -> dict[str, list[tuple]]:
    return {
        ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)]
        for ws in workbook.worksheets
    }


def test_sheet_titles_in_both_languages(tmp_path):
    assert write(tmp_path, make_evaluation(), "zh", "zh.xlsx").sheetnames == ZH_TITLES
    assert write(tmp_path, make_evaluation(), "en", "en.xlsx").sheetnames == EN_TITLES


def test_ranking_lists_every_community_best_first(tmp_path):
    ws = write(tmp_path, make_evaluation())["排名"]
    ids = [ws.cell(row=r, column=header_index(ws, "社区编号")).value for r in range(2, 7)]
    assert ids == ["C1", "C2", "C3", "C4", "C5"]
    assert ws.max_row == 6
    ranks = [ws.cell(row=r, column=1).value for r in range(2, 7)]
    assert ranks == [1, 2, 2, 4, None]  # the tie shares a rank; the disqualified has none
    stars = header_index(ws, "星级")
    assert [ws.cell(row=r, column=stars).value for r in range(2, 7)] == [5, 4, 4, 3, None]
    assert ws.cell(row=2, column=header_index(ws, "星级（★）")).value == "★★★★★"
    reason = ws.cell(row=6, column=header_index(ws, "取消资格情形")).value
    assert reason == FLAGS["major_accident"]
    change = header_index(ws, "与上年比较")
    assert [ws.cell(row=r, column=change).value for r in range(2, 7)] == [
        "↑",
        "=",
        "新获星级",
        "↓",
        None,
    ]


def test_totals_are_numbers_with_two_decimals(tmp_path):
    ws = write(tmp_path, make_evaluation())["排名"]
    column = header_index(ws, "总分")
    for row in range(2, 7):
        cell = ws.cell(row=row, column=column)
        assert isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
        assert cell.number_format == "0.00"
    assert ws.cell(row=2, column=column).value == pytest.approx(91.6)
    scores = write(tmp_path, make_evaluation(), name="g.xlsx")["分组得分"]
    score = scores.cell(row=2, column=header_index(scores, "得分"))
    # 95.0 is stored as the number 95; Excel has no int/float distinction. A group's
    # score shows four decimals, as on the terminal, so its weighted total can be redone
    assert isinstance(score.value, (int, float)) and score.number_format == "0.0000"
    ranking = write(tmp_path, make_evaluation(), name="r.xlsx")["排名"]
    group = ranking.cell(row=2, column=header_index(ranking, "区农委评分（15%）"))
    assert isinstance(group.value, (int, float)) and group.number_format == "0.0000"


def test_missing_values_are_empty_cells(tmp_path):
    evaluation = make_evaluation()
    evaluation.communities.loc[4, "total"] = math.nan
    evaluation.communities.loc[4, "committee"] = math.nan
    ws = write(tmp_path, evaluation)["排名"]
    assert ws.cell(row=6, column=header_index(ws, "总分")).value is None
    assert ws.cell(row=6, column=1).value is None


def test_formula_looking_text_stays_text(tmp_path):
    workbook = write(tmp_path, make_evaluation())
    ws = workbook["排名"]
    name = header_index(ws, "社区名称")
    cells = {ws.cell(row=r, column=name).value: ws.cell(row=r, column=name) for r in range(2, 7)}
    for text in (EVIL, "+1", "@SUM(A1)"):
        assert cells[text].data_type == "s"
        assert cells[text].value == text
    flags = workbook["取消资格"]
    assert flags.cell(row=2, column=header_index(flags, "备注")).value == "=1+1"
    assert workbook["评分人得分"]["D4"].value == "-2+3"
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                assert cell.hyperlink is None


def test_chart_coloured_by_star_level(tmp_path):
    workbook = write(tmp_path, make_evaluation())
    ws = workbook["图表"]
    assert ws._charts
    chart = ws._charts[0]
    # five, four, three and "no star" (the disqualified community) each get a series
    assert len(chart.series) == 4
    colours = {str(s.graphicalProperties.solidFill.srgbClr) for s in chart.series}
    assert len(colours) == 4
    # the chart's data table copies the totals into the column of each star level
    assert ws["C2"].value == pytest.approx(91.6)  # five stars
    assert ws["D3"].value == pytest.approx(85.6) and ws["C3"].value is None  # four stars
    assert ws["F6"].value == pytest.approx(80.0)  # disqualified: no star


def test_headers_frozen_filtered_bold_and_widths_fit_chinese(tmp_path):
    workbook = write(tmp_path, make_evaluation())
    for ws in workbook.worksheets:
        assert ws.freeze_panes is not None, ws.title
        assert ws.auto_filter.ref, ws.title
    ranking = workbook["排名"]
    assert ranking.freeze_panes == "D2"
    assert ranking["A1"].font.b
    name = header_index(ranking, "社区名称")
    letter = ranking.cell(row=1, column=name).column_letter
    # 团结湖社区: five wide characters count as ten
    assert ranking.column_dimensions[letter].width >= 10


def test_audit_lists_inputs_scheme_and_version(tmp_path):
    ws = write(tmp_path, make_evaluation(rewards={"five": 20000}))["审计"]
    values = [cell for row in ws.iter_rows(values_only=True) for cell in row if cell is not None]
    assert SHA_A in values and SHA_B in values
    assert "2008/sheets/office.csv" in values and 4567 in values
    assert "0.1.0" in values
    assert "2008-12-31T10:00:00+08:00" in values
    items = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert items["weights.residents"] == pytest.approx(0.7)
    assert items["raters.office"] == 10
    assert items["scoring.trim"] == 0
    assert items["stars.policy"] == "thirds"
    assert items["rewards.five"] == 20000


def test_rewards_column_only_when_rewards_set(tmp_path):
    plain = write(tmp_path, make_evaluation(), name="plain.xlsx")["排名"]
    assert "奖励金额（元）" not in [cell.value for cell in plain[1]]
    rewarded = write(
        tmp_path,
        make_evaluation(rewards={"five": 20000, "four": 10000, "three": 5000}),
        name="rewarded.xlsx",
    )["排名"]
    column = header_index(rewarded, "奖励金额（元）")
    assert [rewarded.cell(row=r, column=column).value for r in range(2, 7)] == [
        20000,
        10000,
        10000,
        5000,
        None,
    ]


def test_english_report(tmp_path):
    workbook = write(tmp_path, make_evaluation(), "en")
    ws = workbook["Ranking"]
    assert [cell.value for cell in ws[1]][:4] == ["Rank", "Community ID", "Community", "Area"]
    assert ws.cell(row=4, column=header_index(ws, "Change vs last year")).value == "new"
    flags = workbook["Disqualified"]
    assert (
        flags.cell(row=2, column=header_index(flags, "Reason (document wording)")).value
        == (FLAGS["major_accident"])
    )
    assert flags.cell(row=2, column=header_index(flags, "Reason (English)")).value


def test_same_evaluation_gives_same_workbook(tmp_path):
    evaluation = make_evaluation(rewards={"five": 1})
    first = write(tmp_path, evaluation, name="a.xlsx")
    second = write(tmp_path, evaluation, name="b.xlsx")
    assert all_values(first) == all_values(second)
    assert first.properties.created == second.properties.created
    assert first.properties.modified == second.properties.modified


def test_missing_columns_and_empty_frames_do_not_crash(tmp_path):
    evaluation = make_evaluation()
    evaluation.communities = evaluation.communities[["community_id", "name", "total"]]
    evaluation.groups = pd.DataFrame()
    evaluation.raters = pd.DataFrame()
    evaluation.flags = pd.DataFrame()
    evaluation.inputs = []
    evaluation.generated_at = "not a time"
    workbook = write(tmp_path, evaluation)
    ws = workbook["排名"]
    assert ws.max_row == 6
    assert ws.cell(row=2, column=header_index(ws, "社区编号")).value == "C1"
    assert workbook["分组得分"].max_row == 1


def test_write_is_atomic_and_leaves_no_temporary(tmp_path):
    write(tmp_path, make_evaluation())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]


def test_report_is_an_ordinary_file_not_a_private_temporary(tmp_path):
    import os

    write(tmp_path, make_evaluation())
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "r.xlsx").stat().st_mode & 0o777 == 0o666 & ~mask


def test_audit_says_what_each_value_means_and_how_numbers_are_computed(tmp_path):
    workbook = write(tmp_path, make_evaluation(rewards={"five": 20000}))
    ws = workbook["审计"]
    rows = list(ws.iter_rows(values_only=True))
    meanings = {row[0]: row[2] for row in rows if row[0]}
    # the weight names its group as the sheets do, not only by the scheme's key
    assert meanings["weights.committee"] == "区农委评分的权重"
    assert "至少" in meanings["raters.committee"]
    steps = [row[1] for row in rows if isinstance(row[0], int) and isinstance(row[1], str)]
    text = "\n".join(steps)
    assert "区农委 × 0.15 + 办事处 × 0.15 + 居民代表 × 0.7" in text
    assert "四舍五入" in text and "⌈n/3⌉" in text and "不去掉" in text
    english = write(tmp_path, make_evaluation(), "en", "en.xlsx")["Audit"]
    steps = [row[1] for row in english.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert any("half up" in str(step) for step in steps)


def test_rater_totals_show_every_decimal_they_have(tmp_path):
    evaluation = make_evaluation()
    evaluation.raters.loc[0, "total"] = 80.125  # 40.125 + 40: "0.00" would show 80.13
    ws = write(tmp_path, evaluation)["评分人得分"]
    cell = ws.cell(row=2, column=header_index(ws, "评分合计"))
    assert cell.value == 80.125 and cell.number_format == "0.00####"
