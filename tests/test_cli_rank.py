"""`starcommunity score`, `rank` and `history` on copies of samples/ and synthetic years."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from starcommunity.io.year import load_year
from starcommunity.model import GROUPS
from starcommunity.scoring import evaluate
from starcommunity.validate import validate_year
from tests.conftest import Cli
from tests.yearfolder import write_year

# samples/README.md: community -> (committee, office, residents, total, stars or None)
EXPECTED = {
    "2008": {
        "NMF06": (95.5000, 94.2500, 91.9000, 92.79, 5),
        "NMF01": (90.6667, 91.1000, 89.8000, 90.13, 5),
        "NMF09": (88.6667, 88.2000, 88.4667, 88.46, 5),
        "NMF03": (86.8333, 85.8500, 86.5667, 86.50, 4),
        "NMF05": (81.6667, 83.6500, 81.3333, 81.73, None),
        "NMF07": (80.0000, 81.9000, 80.8833, 80.90, 4),
        "NMF02": (77.1667, 79.4500, 78.6333, 78.54, 4),
        "NMF04": (73.3333, 74.8500, 73.6333, 73.77, 3),
        "NMF08": (72.6667, 72.6500, 71.5333, 71.87, 3),
    },
    "2009": {
        "NMF03": (94.0000, 94.4000, 91.7000, 92.45, 5),
        "NMF06": (89.5000, 89.5500, 88.6833, 88.94, 5),
        "NMF01": (83.6667, 86.6500, 85.9000, 85.68, 5),
        "NMF02": (83.5000, 86.2000, 84.5667, 84.65, 4),
        "NMF08": (81.6667, 80.6000, 82.6333, 82.18, 4),
        "NMF05": (78.8333, 81.1500, 79.2167, 79.45, 4),
        "NMF04": (79.0000, 77.2000, 76.4167, 76.92, 3),
        "NMF09": (77.1667, 75.4500, 77.0500, 76.83, 3),
        "NMF07": (73.0000, 74.6500, 73.6333, 73.69, 3),
    },
}
COMMITTEE_SHEET = Path("sheets/区农委评分.xlsx")
OFFICE_SHEET = Path("sheets/office_scores.csv")


def rank_json(cli: Cli, root: Path, year: str, *extra: str) -> tuple[int, Any, str]:
    result = cli("rank", "--root", root, "--year", year, "--format", "json", *extra)
    return result.exit_code, json.loads(result.stdout), result.stderr


def edit_scheme(year_folder: Path, pattern: str, replacement: str) -> None:
    scheme = year_folder / "scheme.toml"
    text, count = re.subn(pattern, replacement, scheme.read_text(encoding="utf-8"), flags=re.M)
    assert count == 1, pattern
    scheme.write_text(text, encoding="utf-8")


def office_rows(year_folder: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO((year_folder / OFFICE_SHEET).read_bytes().decode("gbk"))))


def write_office_rows(year_folder: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    (year_folder / OFFICE_SHEET).write_bytes(buffer.getvalue().encode("gbk"))


# --- the samples, against samples/README.md -----------------------------------------


@pytest.mark.parametrize("year", ["2008", "2009"])
def test_rank_json_matches_samples_readme(cli: Cli, root: Path, year: str) -> None:
    code, records, _stderr = rank_json(cli, root, year)
    assert code == 0
    expected = EXPECTED[year]
    ranked = [r for r in records if r["rank"] is not None]
    # best first, unranked last, and the published order of the README for the ranked
    assert [r["community_id"] for r in ranked] == [c for c, e in expected.items() if e[4]]
    for record in records:
        committee, office, residents, total, stars = expected[record["community_id"]]
        assert round(record["committee"], 4) == committee
        assert round(record["office"], 4) == office
        assert round(record["residents"], 4) == residents
        assert record["total"] == total
        assert record["stars"] == stars
        for key in ("name", "area", "disqualified"):
            assert key in record
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))


def test_half_up_trap_nmf01_2008(cli: Cli, root: Path) -> None:
    _code, records, _stderr = rank_json(cli, root, "2008")
    nmf01 = next(r for r in records if r["community_id"] == "NMF01")
    assert nmf01["total"] == 90.13  # 90.125 exactly, 90.12 with float rounding


def test_rank_json_equals_the_core(cli: Cli, root: Path) -> None:
    code, records, _stderr = rank_json(cli, root, "2008")
    assert code == 0
    data, report = load_year(root, "2008")
    validate_year(data, report)
    assert records == evaluate(data).to_records()


def test_disqualified_has_no_rank_no_star(cli: Cli, root: Path) -> None:
    code, records, stderr = rank_json(cli, root, "2008")
    assert code == 0
    nmf05 = next(r for r in records if r["community_id"] == "NMF05")
    assert nmf05["rank"] is None
    assert nmf05["stars"] is None
    assert nmf05["disqualified"] == ["major_accident"]
    assert records[-1]["community_id"] == "NMF05"  # unranked ones last
    assert "NMF05" in stderr and "发生重大安全事故" in stderr
    assert "warning" in stderr  # validate's warnings are counted


def test_rank_table_and_rewards(cli: Cli, root: Path) -> None:
    result = cli("rank", "--root", root, "--year", "2008", "--lang", "en")
    assert result.exit_code == 0
    assert "★★★★★" in result.stdout
    assert "90.13" in result.stdout
    assert "20,000" in result.stdout  # [rewards] five = 20000
    assert "disqualified" in result.stdout
    zh = cli("rank", "--root", root, "--year", "2008", "--lang", "zh")
    assert "名次" in zh.stdout and "取消资格" in zh.stdout


def test_rewards_in_json(cli: Cli, root: Path) -> None:
    _code, records, _stderr = rank_json(cli, root, "2008")
    by_stars = {r["stars"]: r["reward"] for r in records}
    assert by_stars == {5: 20000, 4: 10000, 3: 5000, None: None}


def test_rank_csv_parses(cli: Cli, root: Path) -> None:
    result = cli("rank", "--root", root, "--year", "2008", "--format", "csv", "--lang", "en")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 9
    assert rows[0]["Community ID"] == "NMF06"
    assert float(rows[1]["Total"]) == 90.13
    assert rows[-1]["Disqualified"] == "major_accident"
    assert rows[-1]["Rank"] == ""
    zh = cli("rank", "--root", root, "--year", "2008", "--format", "csv", "--lang", "zh")
    assert zh.stdout.splitlines()[0].startswith("名次,社区编号")


def test_rank_csv_writes_unrounded_numbers_without_float_noise(cli: Cli, root: Path) -> None:
    """NMF03's 2009 total is exactly 0.15 x 94 + 0.15 x 94.4 + 0.7 x 91.7 = 92.45 and is
    published as 92.45; the CSV's unrounded total said 92.44999999999999, which an
    auditor rounding half-up makes 92.44. Group scores had 16 digits or '94.0'."""
    result = cli("rank", "--root", root, "--year", "2009", "--format", "csv", "--lang", "en")
    assert result.exit_code == 0
    row = next(
        r for r in csv.DictReader(io.StringIO(result.stdout)) if r["Community ID"] == "NMF03"
    )
    assert (row["Total"], row["Total (unrounded)"]) == ("92.45", "92.450000")
    assert (row["Committee"], row["Office"], row["Residents"]) == (
        "94.000000",
        "94.400000",
        "91.700000",
    )
    nmf06 = next(
        r for r in csv.DictReader(io.StringIO(result.stdout)) if r["Community ID"] == "NMF06"
    )
    assert nmf06["Residents"] == "88.683333"
    score = cli("score", "--root", root, "--year", "2009", "--format", "csv", "--lang", "en")
    first = next(csv.DictReader(io.StringIO(score.stdout)))
    assert all(re.fullmatch(r"\d+\.\d{6}", first[g]) for g in ("Committee", "Office", "Residents"))


def test_csv_neutralises_formulas(cli: Cli, tmp_path: Path) -> None:
    write_year(
        tmp_path,
        2010,
        {"C1": {"committee": [80], "office": [80], "residents": [80]}},
        names={"C1": "=HYPERLINK(1)"},
    )
    result = cli("rank", "--root", tmp_path, "--year", "2010", "--format", "csv", "--lang", "en")
    assert result.exit_code == 0
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["Community"] == "'=HYPERLINK(1)"


# --- an incomplete year: the committee sheets arrive last ----------------------------


def test_rank_refuses_a_missing_group(cli: Cli, root: Path) -> None:
    (root / "2009" / COMMITTEE_SHEET).unlink()
    result = cli("rank", "--root", root, "--year", "2009")
    assert result.exit_code == 1
    assert "committee" in result.stderr
    assert "NMF01" in result.stderr
    assert result.stdout == ""
    code, report, _stderr = rank_json(cli, root, "2009")
    assert code == 1
    assert report["valid"] is False
    missing = [p for p in report["errors"] if p["code"] == "group-missing"]
    assert len(missing) == 9
    assert "committee" in missing[0]["message"]


def test_score_works_on_an_incomplete_year(cli: Cli, root: Path) -> None:
    (root / "2009" / COMMITTEE_SHEET).unlink()
    result = cli("score", "--root", root, "--year", "2009", "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert len(records) == 9
    for record in records:
        assert record["complete"] is False
        assert record["missing"] == ["committee"]
        assert record["committee"] is None
        assert record["total"] is None
    nmf03 = next(r for r in records if r["community_id"] == "NMF03")
    assert round(nmf03["office"], 4) == 94.4
    assert nmf03["groups"]["residents"]["raters"] == 30
    table = cli("score", "--root", root, "--year", "2009", "--lang", "en")
    assert table.exit_code == 0
    assert "incomplete" in table.stdout and "missing committee" in table.stdout
    assert "incomplete" in table.stderr


def test_score_on_the_samples_is_complete(cli: Cli, root: Path) -> None:
    result = cli("score", "--root", root, "--year", "2008", "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert all(r["complete"] for r in records)
    totals = {r["community_id"]: r["total"] for r in records}
    assert totals == {c: e[3] for c, e in EXPECTED["2008"].items()}
    csv_result = cli("score", "--root", root, "--year", "2008", "--format", "csv", "--lang", "en")
    rows = list(csv.DictReader(io.StringIO(csv_result.stdout)))
    assert rows[0]["Office raters"] == "10"


def test_short_group_score_exits_0_rank_exits_1(cli: Cli, root: Path) -> None:
    year_folder = root / "2009"
    rows = office_rows(year_folder)
    dropped = next(i for i, row in enumerate(rows) if row[0] == "NMF02")
    del rows[dropped]
    write_office_rows(year_folder, rows)
    result = cli("score", "--root", root, "--year", "2009", "--format", "json")
    assert result.exit_code == 0
    nmf02 = next(r for r in json.loads(result.stdout) if r["community_id"] == "NMF02")
    assert nmf02["short"] == ["office"]
    assert nmf02["complete"] is False
    assert nmf02["groups"]["office"]["raters"] == 9
    code, report, _stderr = rank_json(cli, root, "2009")
    assert code == 1
    assert any(p["code"] == "wrong-rater-count" for p in report["errors"])


def test_a_bad_cell_stops_score_and_rank(cli: Cli, root: Path) -> None:
    year_folder = root / "2008"
    rows = office_rows(year_folder)
    rows[3][rows[0].index("A1")] = "abc"
    write_office_rows(year_folder, rows)
    for command in ("score", "rank"):
        result = cli(command, "--root", root, "--year", "2008", "--format", "json")
        assert result.exit_code == 1
        report = json.loads(result.stdout)
        assert report["valid"] is False
        assert any(p["code"] == "score-not-number" for p in report["errors"])
        table = cli(command, "--root", root, "--year", "2008")
        assert table.exit_code == 1
        assert "score-not-number" in table.stderr
        assert table.stdout == ""


# --- year over year -------------------------------------------------------------------


def test_rank_2009_shows_change_against_2008(cli: Cli, root: Path) -> None:
    code, records, _stderr = rank_json(cli, root, "2009")
    assert code == 0
    by_id = {r["community_id"]: r for r in records}
    assert (by_id["NMF03"]["previous_stars"], by_id["NMF03"]["change"]) == (4, "up")
    assert (by_id["NMF09"]["previous_stars"], by_id["NMF09"]["change"]) == (5, "down")
    assert (by_id["NMF06"]["previous_stars"], by_id["NMF06"]["change"]) == (5, "same")
    assert (by_id["NMF05"]["previous_stars"], by_id["NMF05"]["change"]) == (None, "new")
    table = cli("rank", "--root", root, "--year", "2009", "--lang", "en")
    assert "↑ up 4→5" in table.stdout


def test_a_community_disqualified_the_year_before_is_not_called_newly_evaluated(
    cli: Cli, root: Path, tmp_path: Path
) -> None:
    """NMF05 was evaluated in 2008 and disqualified; in 2009 it has 4 stars. The
    change 'new' means 'no star the year before': the Chinese report said 新参评
    (taking part for the first time) and the table 新评, which is false for NMF05."""
    output = tmp_path / "2009.xlsx"
    result = cli("rank", "--root", root, "--year", "2009", "--lang", "zh", "--output", output)
    assert result.exit_code == 0
    ws = openpyxl.load_workbook(output)["排名"]
    headers = [cell.value for cell in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "NMF05")
    assert row[headers.index("上年星级")] is None
    assert row[headers.index("与上年比较")] == "新获星级"
    line = next(line for line in result.stdout.splitlines() if "NMF05" in line)
    assert "新获星级 —→4" in line
    assert "新评" not in result.stdout and "新参评" not in result.stdout


def test_no_change_without_a_rankable_year_before(cli: Cli, root: Path) -> None:
    (root / "2008" / COMMITTEE_SHEET).unlink()
    code, records, stderr = rank_json(cli, root, "2009")
    assert code == 0
    assert all(r["change"] == "" and r["previous_stars"] is None for r in records)
    assert "2008" in stderr


def test_history_lists_both_years(cli: Cli, root: Path) -> None:
    result = cli("history", "--root", root, "--format", "json")
    assert result.exit_code == 0
    records = {r["community_id"]: r for r in json.loads(result.stdout)}
    assert len(records) == 9
    assert records["NMF03"]["years"]["2008"]["stars"] == 4
    assert records["NMF03"]["years"]["2009"]["stars"] == 5
    assert records["NMF05"]["years"]["2008"]["disqualified"] == ["major_accident"]
    assert records["NMF05"]["years"]["2008"]["stars"] is None
    table = cli("history", "--root", root, "--lang", "en")
    assert table.exit_code == 0
    assert "2008" in table.stdout and "2009" in table.stdout
    rows = list(csv.DictReader(io.StringIO(cli("history", "--root", root, "-f", "csv").stdout)))
    assert {row["2009"] for row in rows} == {"3", "4", "5"}


def test_history_skips_a_year_that_cannot_be_ranked(cli: Cli, root: Path) -> None:
    (root / "2009" / COMMITTEE_SHEET).unlink()
    result = cli("history", "--root", root, "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert all(set(r["years"]) == {"2008"} for r in records)
    assert "2009" in result.stderr


# --- scheme variants in a modified scheme.toml ---------------------------------------


def test_trim_from_the_scheme(cli: Cli, root: Path) -> None:
    year_folder = root / "2008"
    edit_scheme(year_folder, r"^trim = 0", "trim = 1")
    code, records, _stderr = rank_json(cli, root, "2008")
    assert code == 0
    # Independently: sum the items per row, drop one lowest and one highest per group
    # of more than 5 raters (office 10, residents 30; committee 3 is not trimmed).
    data, _report = load_year(root, "2008")
    items = data.item_ids
    frame = data.scores.assign(total=data.scores[items].sum(axis=1))
    for record in records:
        for group in GROUPS:
            totals = sorted(
                frame.loc[
                    frame["community_id"].eq(record["community_id"]) & frame["group"].eq(group),
                    "total",
                ]
            )
            kept = totals[1:-1] if len(totals) > 5 else totals
            assert record[group] == pytest.approx(sum(kept) / len(kept))
    untrimmed = EXPECTED["2008"]
    assert any(round(r["residents"], 4) != untrimmed[r["community_id"]][2] for r in records)


def test_thresholds_from_the_scheme(cli: Cli, root: Path) -> None:
    year_folder = root / "2008"
    edit_scheme(
        year_folder,
        r'^policy = "thirds".*$',
        'policy = "thresholds"\nfive = 90\nfour = 85\nthree = 80',
    )
    code, records, _stderr = rank_json(cli, root, "2008")
    assert code == 0
    stars = {r["community_id"]: (r["rank"], r["stars"]) for r in records}
    assert stars["NMF06"] == (1, 5)
    assert stars["NMF01"] == (2, 5)  # 90.13 >= 90
    assert stars["NMF09"] == (3, 4)
    assert stars["NMF07"] == (5, 3)  # 80.90 >= 80
    assert stars["NMF02"] == (6, None)  # below the three-star minimum: ranked, no star
    assert stars["NMF08"] == (8, None)
    assert stars["NMF05"] == (None, None)


def test_ties_share_a_rank_synthetic(cli: Cli, tmp_path: Path) -> None:
    scores = {
        "T1": {"committee": [90], "office": [90], "residents": [90]},
        "T2": {"committee": [85], "office": [85], "residents": [85]},
        "T3": {"committee": [85], "office": [85], "residents": [85]},
        "T4": {"committee": [80], "office": [80], "residents": [80]},
    }
    write_year(tmp_path, 2010, scores)
    code, records, _stderr = rank_json(cli, tmp_path, "2010")
    assert code == 0
    assert [(r["community_id"], r["rank"], r["stars"]) for r in records] == [
        ("T1", 1, 5),
        ("T2", 2, 5),  # n = 4: five = 2 reaches rank 2, and both tied at 2 get it
        ("T3", 2, 5),
        ("T4", 4, 3),  # four = 1 reaches rank 3: nobody is there
    ]


# --- output file and usage errors ------------------------------------------------------


def test_output_xlsx_and_force(cli: Cli, root: Path, tmp_path: Path) -> None:
    pytest.importorskip("starcommunity.report.excel")
    target = tmp_path / "results.xlsx"
    result = cli("rank", "--root", root, "--year", "2008", "--output", target)
    assert result.exit_code == 0, result.stderr
    assert openpyxl.load_workbook(target).sheetnames
    again = cli("rank", "--root", root, "--year", "2008", "--output", target)
    assert again.exit_code == 1  # like draw-reps, forms and notice: the earlier file is kept
    assert "--force" in again.stderr
    forced = cli("rank", "--root", root, "--year", "2008", "--output", target, "--force")
    assert forced.exit_code == 0


def test_output_never_overwrites_an_input(cli: Cli, root: Path) -> None:
    criteria = root / "2008" / "criteria.xlsx"
    before = criteria.read_bytes()
    result = cli("rank", "--root", root, "--year", "2008", "--output", criteria, "--force")
    assert result.exit_code == 2
    assert criteria.read_bytes() == before


def test_output_must_be_xlsx(cli: Cli, root: Path, tmp_path: Path) -> None:
    result = cli("rank", "--root", root, "--year", "2008", "--output", tmp_path / "r.csv")
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ["score", "rank"])
def test_missing_year_folder_is_a_usage_error(cli: Cli, root: Path, command: str) -> None:
    result = cli(command, "--root", root, "--year", "1999")
    assert result.exit_code == 2
    assert "1999" in result.stderr


def test_history_names_folders_that_look_like_a_year_but_are_not_read(cli: Cli, root: Path) -> None:
    """A year filed as 2010年 (or a 2008-backup) was left out of history without a word."""
    import shutil

    shutil.copytree(root / "2009", root / "2010年")
    (root / "2008-backup").mkdir()
    (root / "old").mkdir()
    result = cli("history", "--root", root, "--format", "json")
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)[0]["years"]) == {"2008", "2009"}  # stdout: data only
    assert "Not read: 2008-backup, 2010年 (" in result.stderr  # 'old' is not a year: not named
    zh = cli("history", "--root", root, "--lang", "zh")
    assert "未读取：2008-backup、2010年" in zh.stderr


def test_history_without_year_folders_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    assert cli("history", "--root", tmp_path).exit_code == 2
    assert cli("history", "--root", tmp_path / "nowhere").exit_code == 2


def _examples(help_text: str) -> list[list[str]]:
    import shlex

    lines = (line.strip().removeprefix("Example:").strip() for line in help_text.splitlines())
    return [shlex.split(line) for line in lines if line.startswith("starcommunity ")]


def test_help_carries_an_example(cli: Cli) -> None:
    """Every command's --help (and the top-level one) shows an example whose options exist."""
    import typer.main

    from starcommunity.cli import app

    group = typer.main.get_command(app)
    assert "Example" in cli("--help").stdout
    assert _examples(group.help or "")
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        result = cli(name, "--help")
        assert result.exit_code == 0
        assert "Example" in result.stdout, name
        examples = _examples(command.help or "")
        assert examples, name
        options = {opt for param in command.params for opt in param.opts}
        for words in examples:
            assert words[1] == name, words
            assert {w for w in words if w.startswith("-")} <= options, words


def test_piped_help_keeps_each_example_on_one_line() -> None:
    """Piped or saved to a file, --help is click's plain text, which wrapped at 80
    columns and broke the draw-reps examples inside their quoted seed."""
    import subprocess
    import sys

    import typer.main

    from starcommunity.cli import app

    command = typer.main.get_command(app).commands["draw-reps"]  # type: ignore[attr-defined]
    examples = [" ".join(line.split()) for line in (command.help or "").splitlines()]
    examples = [line for line in examples if line.startswith("starcommunity ")]
    shown = subprocess.run(
        [sys.executable, "-m", "starcommunity", "draw-reps", "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=True,
    ).stdout
    lines = {" ".join(line.split()) for line in shown.splitlines()}
    assert len(examples) == 3 and all(example in lines for example in examples)


def test_help_examples_run_as_written(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each example succeeds as written, run where the repo root would be, on a fresh
    copy of samples/ (a redraw would leave the score sheets' raters undrawn)."""
    import shutil

    import typer.main

    from starcommunity.cli import app
    from tests.conftest import SAMPLES

    group = typer.main.get_command(app)
    helps = [group.help or ""] + [c.help or "" for c in group.commands.values()]  # type: ignore[attr-defined]
    examples = [words for text in helps for words in _examples(text)]
    assert len(examples) >= 10
    for number, words in enumerate(examples):
        here = tmp_path / str(number)
        shutil.copytree(SAMPLES, here / "samples")
        monkeypatch.chdir(here)
        result = cli(*words[1:])
        assert result.exit_code == 0, (words, result.output)


def test_a_suggested_command_pastes_back_for_a_folder_with_spaces(tmp_path: Path) -> None:
    """rank's note and draw-reps' closing line give the command to run next: with the
    --root this run read, quoted when the path holds a space (it was left out, or cut
    at the space)."""
    import shutil

    from starcommunity.cli.common import command_line
    from tests.conftest import SAMPLES, run

    root = tmp_path / "评估 资料"
    shutil.copytree(SAMPLES / "2008", root / "2008")
    ranked = run("rank", "--root", root, "--year", "2008")
    assert ranked.exit_code == 0, ranked.output
    assert f'`starcommunity validate --root "{root}" --year 2008`' in ranked.stderr
    (root / "2008" / "reps.csv").unlink()
    drawn = run("draw-reps", "--root", root, "--year", "2008", "--seed", "x")
    assert drawn.exit_code == 0, drawn.output
    assert f'Check it any time: starcommunity verify-draw --root "{root}" --year 2008' in (
        drawn.stderr.replace("\n", " ")
    )
    assert command_line("validate", Path("."), "2008") == "starcommunity validate --year 2008"
    assert command_line("rank", Path("/data/2008s"), "2008") == (
        "starcommunity rank --root /data/2008s --year 2008"
    )
