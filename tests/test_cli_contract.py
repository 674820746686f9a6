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
