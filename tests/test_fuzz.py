"""Robustness (issue 6): no input, however broken, crashes a command or changes a file.

Two halves:

- randomly corrupted copies of samples/ (tests/corrupt.py) run through the installed
  console script, as a clerk would run it: every `validate`, `score` and `rank` ends
  with exit 0 or 1 and a message, never a traceback, and the folder is byte-identical
  afterwards;
- hypothesis feeds arbitrary bytes, cells and TOML to the core readers and checks
  (io.tables.read_grids, io.year.load_year, validate.validate_year, scoring.evaluate):
  no exception escapes, every problem renders as a message, and the outputs are
  strict JSON.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES, folder_digest
from tests.corrupt import JUNK, SCHEME_JUNK, corrupt_year

SCRIPT = Path(sys.executable).with_name("starcommunity")
COMMANDS = ("validate", "score", "rank")
FORMATS = ("table", "json", "csv")
# Each seed runs three processes at once; a hang is a failure, not a stuck suite.
TIMEOUT = 120
# 16 seeds keep this file near a minute on two cores; FUZZ_SEEDS=500 hunts further, and
# FUZZ_EXAMPLES / FUZZ_RANDOM do the same for the hypothesis tests below.
SEEDS = range(int(os.environ.get("FUZZ_SEEDS", "16")))

FUZZ = settings(
    deadline=None,
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize="FUZZ_RANDOM" not in os.environ,
)


def _copy_samples(target: Path) -> Path:
    shutil.copytree(SAMPLES, target, ignore=shutil.ignore_patterns("README.md"))
    return target


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("STARCOMMUNITY_DEBUG", None)
    environment["COLUMNS"] = "120"
    return environment


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed")
@pytest.mark.parametrize("seed", SEEDS)
def test_corrupted_year_folders_never_crash(seed: int, tmp_path: Path) -> None:
    root = _copy_samples(tmp_path / "root")
    rng = random.Random(seed)
    years = ["2008", "2009"] if seed % 3 == 0 else ["2008"]
    applied = [step for year in years for step in corrupt_year(root / year, rng)]
    before = folder_digest(root)
    runs = []
    for number, command in enumerate(COMMANDS):
        output_format = FORMATS[(seed + number) % len(FORMATS)]
        year = years[-1] if command == "rank" else years[0]
        arguments = [command, "--root", str(root), "--year", year, "--format", output_format]
        process = subprocess.Popen(
            [str(SCRIPT), *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(),
        )
        runs.append((arguments, process))
    for arguments, process in runs:
        try:
            stdout, stderr = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"{arguments} hung after {applied}")
        what = f"{' '.join(arguments[:1] + arguments[3:])} after {applied}"
        text = stderr.decode("utf-8", errors="replace")
        assert process.returncode in (0, 1), f"{what}: exit {process.returncode}\n{text}"
        assert "Traceback" not in text, f"{what}:\n{text}"
        assert "panicked" not in text, f"{what}:\n{text}"
        assert "Unexpected error" not in text, f"{what}:\n{text}"
        assert stdout.strip() or stderr.strip(), f"{what}: no output at all"
        if "json" in arguments:
            json.loads(stdout)  # strict: no NaN or Infinity either
    assert folder_digest(root) == before, f"inputs changed after {applied}"


def test_corruptions_are_reproducible(tmp_path: Path) -> None:
    """The same seed does the same damage, so a failing seed can be replayed."""
    first = _copy_samples(tmp_path / "a")
    second = _copy_samples(tmp_path / "b")
    assert corrupt_year(first / "2008", random.Random(7), 4) == corrupt_year(
        second / "2008", random.Random(7), 4
    )
    assert folder_digest(first) == folder_digest(second)


# ---------------------------------------------------------------------------------------
# hypothesis: the core, in process


def _run_core(root: Path, year: str = "2008") -> None:
    """What validate, score and rank do, minus the printing; nothing may raise."""
    from starcommunity.io.year import load_year
    from starcommunity.scoring import evaluate, score_records
    from starcommunity.validate import validate_year

    data, report = load_year(root, year)
    validate_year(data, report)
    for problem in report.problems:
        assert problem.message("en") and problem.message("zh")
    json.dumps(report.to_dict("zh"), allow_nan=False)
    evaluation = evaluate(data, generated_at="2008-12-31T00:00:00+08:00")
    evaluation.to_records()
    score_records(evaluation)


cell_text = st.one_of(
    st.sampled_from([str(v) for v in JUNK]),
    st.text(max_size=12),
    st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,3})?", fullmatch=True),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
rows = st.lists(st.lists(cell_text, min_size=0, max_size=8), min_size=0, max_size=8)


def _csv_bytes(table: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue().encode(encoding, errors="replace")


@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_read_grids_takes_any_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    from starcommunity.io.tables import read_grids
    from starcommunity.problems import Report

    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    report = Report()
    grids = read_grids(path, path.name, report)
    assert isinstance(grids, list)
    for problem in report.problems:
        assert problem.message("en")


@FUZZ
@given(
    communities=rows,
    criteria=rows,
    sheet=rows,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]),
)
def test_year_of_arbitrary_cells(
    tmp_path: Path,
    communities: list[list[str]],
    criteria: list[list[str]],
    sheet: list[list[str]],
    encoding: str,
) -> None:
    folder = tmp_path / f"r{time.monotonic_ns()}" / "2008"
    (folder / "sheets").mkdir(parents=True)
    headers = {
        "communities.csv": (["community_id", "name", "area"], communities),
        "criteria.csv": (["item_id", "category", "name", "max_points"], criteria),
        "sheets/s.csv": (["community_id", "group", "rater_id", "A1", "A2"], sheet),
    }
    for name, (header, body) in headers.items():
        (folder / name).write_bytes(_csv_bytes([header, *body], encoding))
    _run_core(folder.parent)


excel_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([str(v) for v in JUNK if "\x00" not in str(v)]),
    st.datetimes(),
)


@FUZZ
@given(cells=st.lists(st.lists(excel_values, max_size=6), max_size=6), as_date=st.booleans())
def test_score_workbook_of_arbitrary_cells(
    root: Path, cells: list[list[object]], as_date: bool
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["community_id", "group", "rater_id", "A1", "A2", "date"])
    for row in cells:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    if as_date:  # numbers formatted as dates: calamine converts them, out of range too
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.number_format = "yyyy-mm-dd"
    workbook.save(root / "2008" / "sheets" / "extra.xlsx")
    _run_core(root)
    (root / "2008" / "sheets" / "extra.xlsx").unlink()


@FUZZ
@given(text=st.one_of(st.text(max_size=200), st.sampled_from(SCHEME_JUNK)))
def test_any_scheme_file(root: Path, text: str) -> None:
    from starcommunity.io.year import load_scheme
    from starcommunity.problems import Report

    path = root / "2008" / "scheme.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    report = Report()
    scheme = load_scheme(root / "2008", report)
    for problem in report.problems:
        assert problem.message("zh")
    if report.valid:
        _run_core(root)
        assert abs(sum(scheme.weights.values()) - 1) < 1e-6
