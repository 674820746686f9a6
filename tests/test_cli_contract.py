"""The command-line contract a batch script relies on (SPEC 5), command by command."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from starcommunity.cli.common import PROBLEM_COLUMNS
from tests.conftest import run

REPO = Path(__file__).resolve().parent.parent


def _python_m(
    *args: str | Path, stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    """`python -m starcommunity ...` as a script runs it: stdin and stdout not a terminal."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "starcommunity", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        timeout=120,
        check=False,
    )


def _reader_gone() -> int:
    """The write end of a pipe whose reader has already gone (`| head -c 10` done)."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_a_reader_that_goes_away_does_not_change_the_outcome(root_2008_only: Path) -> None:
    """draw-reps writes its files, then prints: with the reader gone (`| head`) the run
    still ends as it would have, with its messages on stderr and exit 0, not a silent 1."""
    write = _reader_gone()
    try:
        result = _python_m(
            "draw-reps",
            "--root",
            root_2008_only,
            "--year",
            "2008",
            "--seed",
            "S",
            "--force",
            stdout=write,
        )
    finally:
        os.close(write)
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "Drew 270 representatives" in stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert '"seed": "S"' in (root_2008_only / "2008" / "reps.draw.json").read_text(encoding="utf-8")


def _break_the_roster(year: Path) -> None:
    """An eligibility nobody can read: an error in the roster, which stops the draw."""
    path = year / "roster.csv"
    lines = path.read_bytes().decode("utf-8-sig").splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",maybe"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def _break_a_score(year: Path) -> None:
    """An office score of 99 where the item allows 5 or so: an error, which stops rank."""
    path = year / "sheets" / "office_scores.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"))))
    rows[1][rows[0].index("A1")] = "99"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gbk"))


@pytest.mark.parametrize(
    ("command", "extra", "damage", "code"),
    [
        ("draw-reps", ["--seed", "S", "--force"], _break_the_roster, "bad-eligible"),
        ("verify-draw", [], _break_the_roster, "bad-eligible"),
        ("score", [], _break_a_score, "score-above-max"),
        ("rank", [], _break_a_score, "score-above-max"),
    ],
)
def test_a_refusal_lists_its_problems_on_stdout_in_the_format_asked(
    root_2008_only: Path, command: str, extra: list[str], damage: Any, code: str
) -> None:
    """Exit 1 for wrong data: --format json prints validate's object and --format csv
    validate's problem rows on stdout, whichever command refused; table keeps stdout
    empty. draw-reps and verify-draw printed nothing on stdout for json, and score and
    rank nothing for csv: a script had only a capped rich table on stderr."""
    damage(root_2008_only / "2008")
    args = [command, "--root", str(root_2008_only), "--year", "2008", *extra]
    as_json = run(*args, "--format", "json")
    assert as_json.exit_code == 1, as_json.output
    report = json.loads(as_json.stdout)
    assert set(report) == {"valid", "errors", "warnings"} and report["valid"] is False
    assert code in {p["code"] for p in report["errors"]}
    as_csv = run(*args, "--format", "csv")
    assert as_csv.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert list(rows[0]) == PROBLEM_COLUMNS
    assert code in {row["code"] for row in rows if row["severity"] == "error"}
    as_table = run(*args, "--format", "table")
    assert as_table.exit_code == 1
    assert as_table.stdout == "" and code in as_table.stderr
    assert not (root_2008_only / "2008" / "draws").exists()  # nothing was redrawn


def test_history_with_no_rankable_year_says_why_on_stdout_in_the_format_asked(
    root_2008_only: Path,
) -> None:
    """history exits 1 when no year can be ranked: with --format json or csv it printed
    nothing on stdout, and a batch script parsing it as JSON broke. Now it prints the
    refusal as every other command does: one error per year folder and why it was not
    ranked, a warning per folder that looks like a year but was not read."""
    import shutil

    from tests.conftest import SAMPLES

    root = root_2008_only
    _break_a_score(root / "2008")  # does not validate
    shutil.copytree(SAMPLES / "2009", root / "2009")
    (root / "2009" / "sheets" / "区农委评分.xlsx").unlink()  # a group missing: incomplete
    (root / "2010年").mkdir()
    args = ["history", "--root", str(root), "--lang", "en"]
    as_json = run(*args, "--format", "json")
    assert as_json.exit_code == 1, as_json.output
    report = json.loads(as_json.stdout)
    assert set(report) == {"valid", "errors", "warnings"} and report["valid"] is False
    errors = {p["value"]: p for p in report["errors"]}
    assert set(errors) == {"2008", "2009"}
    assert errors["2008"]["code"] == "year-not-valid"
    assert "does not validate" in errors["2008"]["message"]
    assert f"starcommunity validate --root {root} --year 2008" in errors["2008"]["message"]
    assert errors["2009"]["code"] == "year-incomplete"
    assert "incomplete" in errors["2009"]["message"]
    assert [(p["code"], p["value"]) for p in report["warnings"]] == [
        ("folder-not-a-year", "2010年")
    ]
    assert "No year under ROOT can be ranked." in as_json.stderr
    as_csv = run(*args, "--format", "csv")
    assert as_csv.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert list(rows[0]) == PROBLEM_COLUMNS
    assert {(row["severity"], row["code"], row["value"]) for row in rows} == {
        ("error", "year-not-valid", "2008"),
        ("error", "year-incomplete", "2009"),
        ("warning", "folder-not-a-year", "2010年"),
    }
    as_table = run(*args, "--format", "table")  # unchanged: the reasons on stderr
    assert as_table.exit_code == 1 and as_table.stdout == ""
    assert "2008 does not validate" in as_table.stderr
    assert "2009 is incomplete" in as_table.stderr
    zh = run("history", "--root", str(root), "--lang", "zh", "--format", "json")
    assert zh.exit_code == 1
    assert "2008年校验未通过" in json.loads(zh.stdout)["errors"][0]["message"]


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "TTY_COMPATIBLE"])
def test_no_escape_code_off_a_terminal_whatever_the_environment(
    root_2008_only: Path, variable: str
) -> None:
    """SPEC 5: no colour when stdout is not a terminal. With FORCE_COLOR=1 (set by many
    CI runners) validate's table came out in bold and italic escape codes."""
    from typer.testing import CliRunner

    from starcommunity.cli import app

    _break_a_score(root_2008_only / "2008")
    result = CliRunner(env={variable: "1"}).invoke(
        app, ["validate", "--root", str(root_2008_only), "--year", "2008"]
    )
    assert result.exit_code == 1
    assert "score-above-max" in result.stdout
    assert "\x1b" not in result.stdout + result.stderr


def test_validate_json_equals_the_core(root_2008_only: Path) -> None:
    """validate --format json prints what the core's report says, nothing more or less."""
    from starcommunity.io.year import load_year
    from starcommunity.validate import validate_year

    _break_a_score(root_2008_only / "2008")
    result = run("validate", "--root", root_2008_only, "--year", "2008", "--format", "json")
    assert result.exit_code == 1
    data, report = load_year(root_2008_only, "2008")
    validate_year(data, report)
    assert json.loads(result.stdout) == json.loads(json.dumps(report.to_dict("en")))


# --- the matrix: command x format x situation -> exit code, what stdout holds ----------

FORMATS = ("table", "json", "csv")


@pytest.fixture(scope="module")
def years(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One root per situation, made once: ok, one to redraw in (a new draw would not
    match ok's sheets), a score above the maximum, a group missing, a hand-edited
    reps.csv, a roster changed after announce, no reps.csv."""
    import shutil

    from tests.conftest import SAMPLES

    base = tmp_path_factory.mktemp("contract")
    roots: dict[str, Path] = {}
    for name in ("ok", "drawn", "above", "nogroup", "edited", "announced", "noreps"):
        roots[name] = base / name
        shutil.copytree(SAMPLES / "2008", roots[name] / "2008")
    _break_a_score(roots["above"] / "2008")
    (roots["nogroup"] / "2008" / "sheets" / "区农委评分.xlsx").unlink()
    reps = roots["edited"] / "2008" / "reps.csv"
    lines = reps.read_bytes().decode("utf-8-sig").splitlines()
    first, second = lines[1].split(","), lines[2].split(",")
    first[2:4], second[2:4] = second[2:4], first[2:4]
    lines[1:3] = [",".join(first), ",".join(second)]
    reps.write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    announced = roots["announced"]
    assert run("draw-reps", "--root", announced, "--year", "2008", "--announce").exit_code == 0
    roster = announced / "2008" / "roster.csv"
    kept = roster.read_bytes().decode("utf-8-sig").splitlines()[:-1]
    roster.write_bytes(("\n".join(kept) + "\n").encode("utf-8-sig"))
    (roots["noreps"] / "2008" / "reps.csv").unlink()
    roots["existing"] = base / "existing.xlsx"
    roots["existing"].write_bytes(b"a report from before")
    roots["forms"] = base / "forms"
    assert (
        run("forms", "--root", roots["ok"], "--year", "2008", "-o", roots["forms"]).exit_code == 0
    )
    roots["out"] = base / "out"
    roots["out"].mkdir()
    return roots


def _args(command: str, situation: str, fmt: str, at: dict[str, Path]) -> list[str | Path]:
    def year(name: str, *extra: str | Path) -> list[str | Path]:
        return ["--root", at[name], "--year", "2008", *extra]

    fresh_out = at["out"] / f"{command}-{situation}-{fmt}"
    writes: dict[str, list[str | Path]] = {
        "draw-reps": ["--seed", "S", "--force"],
        "notice": ["-o", fresh_out.with_suffix(".xlsx")],
        "forms": ["-o", fresh_out],
    }
    data = {
        "draw-reps": year("announced", "--seed", "S", "--force"),
        "verify-draw": year("edited"),
        "notice": year("noreps", "-o", fresh_out.with_suffix(".xlsx")),
        "forms": year("noreps", "-o", fresh_out),
        "history": ["--root", at["above"]],
    }
    exists = {
        "draw-reps": year("ok", "--seed", "S"),
        "notice": year("ok", "-o", at["existing"]),
        "forms": year("ok", "-o", at["forms"]),
        "rank": year("ok", "-o", at["existing"]),
    }
    where = "drawn" if command == "draw-reps" else "ok"
    ok = ["--root", at["ok"]] if command == "history" else year(where, *writes.get(command, []))
    cases: dict[str, list[str | Path]] = {
        "success": ok,
        "data": data.get(command, year("above")),
        "missing-group": year("nogroup"),
        "exists": exists.get(command, []),
        "no-root": ["--root", at["out"] / "nowhere", *ok[2:]],
        "no-year": ["--root", at["ok"], "--year", "1999", *ok[4:]],
        "unknown-option": [*ok, "--bogus"],
        "bad-lang": [*ok, "--lang", "fr"],
        "bad-count": [*ok, "--count", "-1"],
        "no-seed": year("ok"),
    }
    return [command, *cases[situation], "--format", fmt]


# situation -> exit code, for every command it applies to
EXPECTED = {
    "success": 0,
    "data": 1,
    "missing-group": 1,
    "exists": 1,
    "no-root": 2,
    "no-year": 2,
    "unknown-option": 2,
    "bad-lang": 2,
    "bad-count": 2,
    "no-seed": 2,
}
APPLIES = {
    "missing-group": {"score", "rank"},
    "exists": {"draw-reps", "notice", "forms", "rank"},
    "no-year": {"draw-reps", "verify-draw", "notice", "forms", "validate", "score", "rank"},
    "bad-count": {"draw-reps"},
    "no-seed": {"draw-reps"},
}
# where json and csv must hold something: the data, or the problems that stopped the run
# (other refusals, such as an output that exists, are one message on stderr)
NOT_EMPTY = {
    ("validate", "data"),
    ("score", "data"),
    ("rank", "data"),
    ("rank", "missing-group"),
    ("score", "missing-group"),
    ("verify-draw", "data"),
    ("history", "data"),
}
COMMANDS = ("draw-reps", "verify-draw", "notice", "forms", "validate", "score", "rank", "history")
MATRIX = [
    (command, situation, fmt)
    for situation in EXPECTED
    for command in COMMANDS
    if command in APPLIES.get(situation, COMMANDS)
    for fmt in FORMATS
]


def test_every_command_is_in_the_matrix() -> None:
    from starcommunity.cli import app

    names = {
        c.name or c.callback.__name__.replace("_", "-")
        for c in app.registered_commands
        if c.callback
    }
    assert names == set(COMMANDS)


@pytest.mark.parametrize(("command", "situation", "fmt"), MATRIX)
def test_contract(command: str, situation: str, fmt: str, years: dict[str, Path]) -> None:
    """SPEC 5 for one command, format and situation: the exit code, and stdout holding
    data of the format asked or nothing (json: one strict JSON document; csv: one header
    row and rows as wide), never a traceback or an escape code."""
    result = run(*_args(command, situation, fmt, years))
    output = result.stdout + result.stderr
    # score shows a year in progress: a missing group is not an error there (its help)
    expected = 0 if (command, situation) == ("score", "missing-group") else EXPECTED[situation]
    assert result.exit_code == expected, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output and "\x1b" not in output
    if expected == 2:
        assert result.stdout == ""
        return
    if fmt != "table" and (situation == "success" or (command, situation) in NOT_EMPTY):
        assert result.stdout.strip(), output
    if not result.stdout or fmt == "table":
        return
    if fmt == "json":

        def strict(constant: str) -> None:
            raise ValueError(f"{constant} in JSON")

        json.loads(result.stdout, parse_constant=strict)
    else:
        rows = list(csv.reader(io.StringIO(result.stdout)))
        assert len(rows) >= 1 and len({len(row) for row in rows}) == 1
        assert not any(cell.isdigit() for cell in rows[0][:1])  # a header, not a record
