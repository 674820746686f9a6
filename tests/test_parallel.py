"""Score sheets read in a forked child (issue 5) give exactly what one process gives.

The bundled samples are far below the size at which a child is worth forking, so these
tests lower the threshold to 0 and compare each load with a run where forking is off.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from starcommunity import validate as validate_module
from starcommunity.io import forked
from starcommunity.io import year as year_module
from starcommunity.io.year import load_year
from starcommunity.problems import Report
from tests import corrupt
from tests.conftest import SAMPLES, bench_generator, run
from tests.corrupt import corrupt_year


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fork at any size; the list holds one entry per child forked."""
    monkeypatch.setattr(year_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(year_module, "RUN_BYTES", 0)  # each sheet file claimed alone
    monkeypatch.setattr(validate_module, "VALIDATE_BESIDE_MIN_ROWS", 0)
    monkeypatch.delenv("STARCOMMUNITY_NO_FORK", raising=False)
    started: list[int] = []
    real_start = forked.start

    def counting_start(work: Any, *args: Any) -> Any:
        job = real_start(work, *args)
        if job is not None:
            started.append(job.pid)
        return job

    monkeypatch.setattr(forked, "start", counting_start)
    return started


def _load(root: Path, year: str = "2008", **kwargs: Any) -> tuple[Any, list[dict[str, Any]]]:
    data, report = load_year(root, year, **kwargs)
    return data, [problem.to_dict() for problem in report.problems]


def _load_in_one_process(root: Path, year: str = "2008") -> tuple[Any, list[dict[str, Any]]]:
    os.environ["STARCOMMUNITY_NO_FORK"] = "1"
    try:
        return _load(root, year)
    finally:
        del os.environ["STARCOMMUNITY_NO_FORK"]


def _assert_same(forked_load: tuple[Any, list], single: tuple[Any, list]) -> None:
    (data, problems), (expected, expected_problems) = forked_load, single
    assert problems == expected_problems
    assert_frame_equal(data.scores, expected.scores)
    assert data.sheets == expected.sheets
    assert data.encodings == expected.encodings
    assert data.input_files == expected.input_files
    for name in ("roster", "reps", "flags", "communities", "criteria"):
        frame, expected_frame = getattr(data, name), getattr(expected, name)
        if expected_frame is None:
            assert frame is None
        else:
            assert_frame_equal(frame, expected_frame)


@pytest.fixture(params=["neither", "parent", "child"])
def slow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list]:
    """Delay one side, so that each split happens: the parent reading every sheet file,
    the child reading every one, or something in between. Returns the side and the
    files the parent claimed."""
    parent = os.getpid()
    real_front, real_back = forked.Claims.front, forked.Claims.back
    claimed: list[int] = []

    def front(self: forked.Claims) -> int | None:
        if request.param == "parent":
            time.sleep(0.5)
        task = real_front(self)
        if task is not None:
            claimed.append(task)
        return task

    def back(self: forked.Claims) -> int | None:
        if request.param == "child" and os.getpid() != parent:
            time.sleep(0.5)
        return real_back(self)

    monkeypatch.setattr(forked.Claims, "front", front)
    monkeypatch.setattr(forked.Claims, "back", back)
    return str(request.param), claimed


@pytest.fixture
def child_results(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What each child sent; None for one that failed (its share is then read again by
    the parent, to the same result: only this tells that the child's share was used)."""
    results: list[object] = []
    real = forked.ForkedJob.collect

    def collect(self: forked.ForkedJob) -> list[Any] | None:
        sent = real(self)
        results.append(sent)
        return sent

    monkeypatch.setattr(forked.ForkedJob, "collect", collect)
    return results


def test_a_forked_read_equals_a_single_process_read(
    forks: list[int], slow: tuple[str, list[int]], child_results: list[object]
) -> None:
    _assert_same(_load(SAMPLES), _load_in_one_process(SAMPLES))
    assert len(forks) == 1
    assert None not in child_results
    side, claimed = slow
    files = len(year_module.sheet_files(SAMPLES / "2008"))
    if side == "child":
        assert claimed  # the parent read some sheets
    if side == "parent":
        assert len(claimed) < files  # the child read some sheets


def test_each_task_is_claimed_once_by_parent_and_child() -> None:
    claims = forked.Claims(200)

    def child_work(send: forked.Sender) -> None:
        while (task := claims.back()) is not None:
            send.part(task)

    job = forked.start(child_work)
    assert job is not None
    parents = []
    while (task := claims.front()) is not None:
        parents.append(task)
    childs = job.collect()
    assert childs is not None
    assert parents == list(range(len(parents)))
    assert childs == list(range(199, len(parents) - 1, -1))


def test_a_child_that_dies_holding_the_claims_lock_does_not_stop_the_parent() -> None:
    import fcntl

    claims = forked.Claims(3)
    pid = os.fork()
    if pid == 0:  # killed for memory, say, in the middle of a claim
        fcntl.lockf(claims._lock_file, fcntl.LOCK_EX)
        os._exit(9)
    os.waitpid(pid, 0)
    assert [claims.front(), claims.back(), claims.front(), claims.back()] == [0, 2, 1, None]
    claims.close()


@pytest.mark.parametrize(
    "values",
    [
        ["a", "b", "a", None, "", "社区"],
        ["x", float("nan"), None],  # NaN beside None: sent as it is
        ["a\x00b", "c"],  # a NUL inside a value
        [1.5, "1.5", True],
        [None, None],
        [],
    ],
)
def test_a_packed_column_comes_back_equal(values: list[Any]) -> None:
    column = np.array(values, dtype=object)
    back = forked.unpack_column(pickle.loads(pickle.dumps(forked.pack_column(column))))
    assert back.dtype == object
    assert len(back) == len(column)
    for got, expected in zip(back, column, strict=True):
        assert type(got) is type(expected)
        assert got == expected or (got != got and expected != expected)


def test_a_packed_text_column_shares_one_object_per_value() -> None:
    column = np.array(["区农委", "居民代表"] * 1000, dtype=object)
    packed = forked.pack_column(column)
    assert packed[0] == "text"
    back = forked.unpack_column(pickle.loads(pickle.dumps(packed)))
    assert len({id(value) for value in back}) == 2


@pytest.mark.parametrize("seed", range(12))
def test_broken_folders_report_the_same_problems_in_the_same_order(
    forks: list[int], tmp_path: Path, seed: int
) -> None:
    shutil.copytree(SAMPLES / "2008", tmp_path / "2008")
    corrupt_year(tmp_path / "2008", random.Random(seed), count=3)
    try:
        single = _load_in_one_process(tmp_path)
    except year_module.YearFolderMissing:
        pytest.skip("the corruption removed the year folder")
    _assert_same(_load(tmp_path), single)


def test_a_child_that_dies_is_redone_in_the_parent(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def die(self: forked.Sender, payload: Any) -> None:
        os._exit(3)  # as if killed for memory halfway through sending

    monkeypatch.setattr(forked.Sender, "part", die)
    _assert_same(_load(SAMPLES), _load_in_one_process(SAMPLES))
    assert len(forks) == 1


def test_a_child_that_fails_is_redone_in_the_parent(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_read_sheets = year_module._read_sheets

    def fails_in_the_child(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() not in calls[:1]:
            raise MemoryError
        return real_read_sheets(*args, **kwargs)

    calls.append(os.getpid())
    monkeypatch.setattr(year_module, "_read_sheets", fails_in_the_child)
    _assert_same(_load(SAMPLES), _load_in_one_process(SAMPLES))


def test_progress_counts_every_byte_read_by_either_process(
    forks: list[int], slow: tuple[str, list[int]]
) -> None:
    seen: list[tuple[str, int, int, str]] = []

    def progress(name: str, done: int, total: int) -> None:
        seen.append((name, done, total, threading.current_thread().name))

    _load(SAMPLES, progress=progress)
    assert forks
    names = [name for name, *_rest in seen]
    for path in year_module.sheet_files(SAMPLES / "2008"):
        assert names.count(str(path.relative_to(SAMPLES / "2008"))) == 1
    assert [done for _name, done, _total, _thread in seen] == sorted(
        done for _name, done, _total, _thread in seen
    )
    assert seen[-1][1] == seen[-1][2]
    _side, claimed = slow
    child_files = len(year_module.sheet_files(SAMPLES / "2008")) - len(claimed)
    # the child's files are told as it reads them, by a thread of this process
    told_by_thread = [s for s in seen if s[3] != threading.main_thread().name]
    assert len(told_by_thread) == child_files


def test_rank_json_is_the_same_with_and_without_a_child(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    forked_run = run("rank", "--root", SAMPLES, "--year", "2008", "--format", "json")
    assert forked_run.exit_code == 0, forked_run.output
    assert forks
    monkeypatch.setenv("STARCOMMUNITY_NO_FORK", "1")
    single = run("rank", "--root", SAMPLES, "--year", "2008", "--format", "json")
    assert json.loads(forked_run.stdout)
    assert forked_run.stdout == single.stdout


def test_a_failure_in_the_parent_stops_and_reaps_the_child(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("a bug while reading the roster")

    monkeypatch.setattr(year_module, "_read_people", broken)
    with pytest.raises(RuntimeError):
        load_year(SAMPLES, "2008")
    assert len(forks) == 1
    with pytest.raises(ChildProcessError):  # already reaped: no zombie, no orphan
        os.waitpid(forks[0], os.WNOHANG)


# ------------------- the roster read and checked in the sheet child (load_year's check_people)


@pytest.fixture
def people_beside(forks: list[int], monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Read and check the roster and reps in the sheet child at any size; the list holds
    what the parent took in of each load (None: the child failed, read here instead)."""
    monkeypatch.setattr(year_module, "PEOPLE_BESIDE_MIN_BYTES", 0)
    parts: list[object] = []
    real = year_module._people_read_apart

    def recording(*args: Any) -> None:
        parts.append(args[4])
        real(*args)

    monkeypatch.setattr(year_module, "_people_read_apart", recording)
    return parts


def _validated(root: Path, **kwargs: Any) -> tuple[Any, list[dict[str, Any]]]:
    """load_year as validate calls it, then validate_year: the data and every problem."""
    from starcommunity.validate import check_people, validate_year

    data, report = load_year(
        root, "2008", people_details=False, check_people=check_people, **kwargs
    )
    return data, [p.to_dict() for p in validate_year(data, report).problems]


def _validated_in_one_process(root: Path) -> tuple[Any, list[dict[str, Any]]]:
    os.environ["STARCOMMUNITY_NO_FORK"] = "1"
    try:
        return _validated(root)
    finally:
        del os.environ["STARCOMMUNITY_NO_FORK"]


def _people_with_problems(root: Path) -> Path:
    """samples/2008 with problems read in the roster (an eligibility that is no yes or
    no), in reps (a role that is none, a rep twice) and in the flags (full-width text),
    so that the order of the reading's and the checks' problems shows."""
    shutil.copytree(SAMPLES / "2008", root / "2008")
    folder = root / "2008"
    roster = (folder / "roster.csv").read_text(encoding="utf-8-sig").splitlines()
    roster[5] = ",".join([*roster[5].split(",")[:5], "maybe"])
    roster.append(roster[9])  # a resident listed twice
    _write(folder / "roster.csv", roster)
    reps = (folder / "reps.csv").read_text(encoding="utf-8-sig").splitlines()
    reps[3] = reps[3].replace(",rep", ",boss")
    reps.append(reps[4])
    _write(folder / "reps.csv", reps)
    flags = (folder / "flags.csv").read_text(encoding="utf-8-sig").splitlines()
    flags.append(flags[1].replace("NMF", "ＮＭＦ"))
    _write(folder / "flags.csv", flags)
    return root


def test_a_roster_checked_in_the_child_validates_as_one_process(
    people_beside: list[object], tmp_path: Path
) -> None:
    root = _people_with_problems(tmp_path)
    data, problems = _validated(root)
    assert len(people_beside) == 1 and people_beside[0] is not None  # the child's work
    assert data.roster is None and data.people_checked is not None
    single, expected = _validated_in_one_process(root)
    assert single.roster is not None and single.people_checked is None
    assert problems == expected
    codes = [p["code"] for p in problems]
    for code in ("bad-eligible", "bad-role", "text-normalised", "duplicate-resident"):
        assert code in codes
    # the reading's problems of roster and reps come before the flags', as in one read
    assert codes.index("bad-role") < max(
        n for n, p in enumerate(problems) if p["file"] == "flags.csv"
    )
    assert_frame_equal(data.reps, single.reps)
    assert_frame_equal(data.scores, single.scores)
    assert_frame_equal(data.flags, single.flags)
    assert data.input_files == single.input_files
    assert data.paths == single.paths
    assert data.headers == single.headers
    assert data.encodings == single.encodings


@pytest.mark.parametrize("seed", range(12))
def test_broken_folders_validate_and_rank_the_same_with_the_roster_in_the_child(
    people_beside: list[object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seed: int
) -> None:
    shutil.copytree(SAMPLES / "2008", tmp_path / "2008")
    corrupt_year(tmp_path / "2008", random.Random(seed), count=3)
    outputs = []
    for no_fork in ("0", "1"):
        monkeypatch.setenv("STARCOMMUNITY_NO_FORK", no_fork)
        for command in ("validate", "rank"):
            result = run(command, "--root", tmp_path, "--year", "2008", "--format", "json")
            assert result.exit_code in (0, 1, 2), result.output
            outputs.append((result.exit_code, result.stdout))
    assert outputs[:2] == outputs[2:]
    assert None not in people_beside  # each child did its part


def test_a_child_that_dies_reading_the_roster_is_redone_here(
    people_beside: list[object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = _people_with_problems(tmp_path)
    monkeypatch.setattr(forked.Sender, "part", lambda self, payload: os._exit(3))
    data, problems = _validated(root)
    assert people_beside == [None]
    assert data.roster is not None and data.people_checked is None  # read and checked here
    single, expected = _validated_in_one_process(root)
    assert problems == expected
    assert data.input_files == single.input_files


def test_the_child_claims_sheets_after_the_roster_though_its_reps_fill_the_pipe(
    people_beside: list[object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The people's part (82,000 reps, packed: more than the pipe holds) is sent with the
    child's sheets, at the end: sent first, it would wait for the parent to read the pipe,
    which it does only after the last sheet, and the child would read none."""
    folder = bench_generator().generate(tmp_path, 2500, "csv", roster_size=45)
    assert (folder / "reps.csv").stat().st_size > 3_000_000
    parent = os.getpid()
    real_front = forked.Claims.front
    claimed: list[int] = []

    def slow_front(self: forked.Claims) -> int | None:
        if os.getpid() == parent:
            time.sleep(0.3)
        task = real_front(self)
        if task is not None:
            claimed.append(task)
        return task

    monkeypatch.setattr(forked.Claims, "front", slow_front)
    data, problems = _validated(tmp_path)
    assert people_beside[0] is not None and data.roster is None
    runs = len(year_module.sheet_files(folder))
    assert len(claimed) < runs / 2  # the child read most of the sheets
    monkeypatch.setattr(forked.Claims, "front", real_front)
    single, expected = _validated_in_one_process(tmp_path)
    assert problems == expected
    assert_frame_equal(data.scores, single.scores)
    assert_frame_equal(data.reps, single.reps)


def test_progress_counts_the_roster_read_in_the_child_once(people_beside: list[object]) -> None:
    from starcommunity.validate import check_people

    seen: list[tuple[str, int, int]] = []
    load_year(
        SAMPLES,
        "2008",
        people_details=False,
        check_people=check_people,
        progress=lambda name, done, total: seen.append((name, done, total)),
    )
    assert people_beside and people_beside[0] is not None
    names = [name for name, _done, _total in seen]
    assert names.count("roster.csv") == 1 and names.count("reps.csv") == 1
    assert seen[-1][1] == seen[-1][2]  # every byte told


def test_a_roster_is_checked_in_the_child_only_when_large_and_read_whole(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from starcommunity.validate import check_people

    monkeypatch.setattr(year_module, "PEOPLE_BESIDE_MIN_BYTES", 10**9)
    data, _report = load_year(SAMPLES, "2008", people_details=False, check_people=check_people)
    assert data.roster is not None and data.people_checked is None
    monkeypatch.setattr(year_module, "PEOPLE_BESIDE_MIN_BYTES", 0)
    data, _report = load_year(SAMPLES, "2008", check_people=check_people)  # the draw's read
    assert data.roster is not None and data.people_checked is None
    monkeypatch.setattr(year_module, "_cut_in_halves", lambda path, busy_bytes: True)
    data, _report = load_year(SAMPLES, "2008", people_details=False, check_people=check_people)
    assert data.roster is not None and data.people_checked is None


def test_without_fork_the_sheets_are_read_in_one_process(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forked.sys, "platform", "win32")
    _assert_same(_load(SAMPLES), _load_in_one_process(SAMPLES))
    assert forks == []


@pytest.mark.parametrize("seed", [None, *range(10)])
def test_validating_beside_scoring_gives_the_same_report(tmp_path: Path, seed: int | None) -> None:
    from starcommunity.validate import validate_while, validate_year

    shutil.copytree(SAMPLES / "2008", tmp_path / "2008")
    if seed is not None:
        corrupt_year(tmp_path / "2008", random.Random(seed), count=3)
    try:
        data, report = load_year(tmp_path, "2008")
    except year_module.YearFolderMissing:
        pytest.skip("the corruption removed the year folder")
    started: list[int] = []
    real_start = forked.start

    def counting_start(work: Any, *args: Any) -> Any:
        job = real_start(work, *args)
        started.append(job.pid if job else 0)
        return job

    expected = validate_year(data, Report(report.problems.copy()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(forked, "start", counting_start)
        patch.setattr(validate_module, "VALIDATE_BESIDE_MIN_ROWS", 0)
        result = validate_while(data, report, lambda: "scored")
    assert started and started[0]  # the check ran in a child
    assert [p.to_dict() for p in report.problems] == [p.to_dict() for p in expected.problems]
    assert result == "scored"


def test_validate_while_keeps_back_a_scoring_error_until_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from starcommunity.validate import validate_while

    def breaks() -> None:
        raise ZeroDivisionError

    data, report = load_year(SAMPLES, "2008")
    monkeypatch.setattr(validate_module, "VALIDATE_BESIDE_MIN_ROWS", 0)
    assert validate_while(data, report, breaks) is None  # forked: kept back
    assert report.valid
    monkeypatch.setattr(validate_module, "VALIDATE_BESIDE_MIN_ROWS", 10**9)
    data, report = load_year(SAMPLES, "2008")
    with pytest.raises(ZeroDivisionError):  # one after the other: raised as ever
        validate_while(data, report, breaks)


@pytest.fixture(scope="module")
def file_per_community(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A year as some offices keep it: three small CSV score files per community."""
    root = tmp_path_factory.mktemp("file-per-community")
    bench_generator().generate(root, 8, "csv", roster_size=40, area_size=1)
    assert len(year_module.sheet_files(root / "2008")) == 24
    return root


def _corrupted_copy(source: Path, tmp_path: Path, seed: int) -> Path:
    shutil.copytree(source / "2008", tmp_path / "2008")
    corrupt_year(tmp_path / "2008", random.Random(seed), count=3)
    if not (tmp_path / "2008").is_dir():
        pytest.skip("the corruption removed the year folder")
    return tmp_path


@pytest.mark.parametrize("seed", [None, *range(10)])
def test_small_csv_files_read_as_one_batch_equal_each_read_alone(
    file_per_community: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int | None
) -> None:
    root = (
        file_per_community if seed is None else _corrupted_copy(file_per_community, tmp_path, seed)
    )
    batched = _load_in_one_process(root)
    monkeypatch.setattr(year_module, "CSV_BATCH_ROWS", 1)
    _assert_same(batched, _load_in_one_process(root))


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_runs_of_small_files_read_by_both_processes_equal_a_single_read(
    forks: list[int],
    slow: tuple[str, list[int]],
    child_results: list[object],
    file_per_community: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int | None,
) -> None:
    root = (
        file_per_community if seed is None else _corrupted_copy(file_per_community, tmp_path, seed)
    )
    paths = year_module.sheet_files(root / "2008")
    # about five runs of several files each
    monkeypatch.setattr(year_module, "RUN_BYTES", sum(p.stat().st_size for p in paths) // 5)
    _assert_same(_load(root), _load_in_one_process(root))
    assert len(forks) == 1
    assert child_results and None not in child_results


def test_sheet_files_are_cut_into_runs_in_order() -> None:
    paths = [Path(f"{n}.csv") for n in range(7)]
    big = year_module.RUN_BYTES
    sizes = [10, 10, big, 10, big - 15, 10, 0]
    runs = year_module._runs_of_files(paths, sizes)
    assert [[int(p.stem) for p in run] for run in runs] == [[0, 1], [2], [3, 4], [5, 6]]
    assert year_module._runs_of_files([], []) == []


def _roster_with_problems(root: Path) -> Path:
    """samples/2008 with a roster whose both halves hold cells to normalise and bad
    eligibility, and a blank line at its middle."""
    shutil.copytree(SAMPLES / "2008", root / "2008")
    roster = root / "2008" / "roster.csv"
    lines = roster.read_text(encoding="utf-8-sig").splitlines()
    middle = len(lines) // 2
    # two names with full-width digits in the first half, many in the second
    for number in [5, 100, *range(middle + 7, len(lines), 97)]:
        cells = lines[number].split(",")
        cells[2] = cells[2] + "１２"
        cells[4] = f" {cells[4]} "
        cells[5] = "maybe" if number % 2 else cells[5]
        lines[number] = ",".join(cells)
    lines.insert(middle, "")
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return root


@pytest.fixture
def halves(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Read any roster or reps CSV in halves; the list holds what each attempt gave."""
    monkeypatch.setattr(year_module, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(year_module, "MAX_TEXT_CHANGES", 4)  # the cap spans both halves
    # pandas reads from the file's path whenever it can: the first half must not
    from starcommunity.io import tables

    monkeypatch.setattr(tables, "PARALLEL_READ_BYTES", 0)
    monkeypatch.delenv("STARCOMMUNITY_NO_FORK", raising=False)
    results: list[object] = []
    real = year_module._read_in_halves

    def recording(*args: Any) -> Any:
        tables = real(*args)
        results.append(tables)
        return tables

    monkeypatch.setattr(year_module, "_read_in_halves", recording)
    return results


def test_a_roster_read_in_halves_equals_one_read(tmp_path: Path, halves: list[object]) -> None:
    root = _roster_with_problems(tmp_path)
    split = _load(root)
    assert halves and all(tables is not None for tables in halves)  # roster and reps
    whole = _load_in_one_process(root)
    _assert_same(split, whole)
    rows = [p["row"] for p in whole[1] if p["code"] == "text-normalised"]
    assert len(rows) == 4 and rows[:2] == [6, 101] and min(rows[2:]) > 1448  # the cap of 4
    assert any(p["code"] == "bad-eligible" and p["row"] > 1448 for p in whole[1])


def test_a_child_that_dies_on_its_half_is_redone_here(
    tmp_path: Path, halves: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _roster_with_problems(tmp_path)
    monkeypatch.setattr(forked.Sender, "part", lambda self, payload: os._exit(3))
    split = _load(root)
    assert halves and all(tables is not None for tables in halves)
    _assert_same(split, _load_in_one_process(root))


@pytest.mark.parametrize("change", ["quote", "wide row"])
def test_a_roster_that_cannot_be_cut_is_read_whole(
    tmp_path: Path, halves: list[object], change: str
) -> None:
    root = _roster_with_problems(tmp_path)
    roster = root / "2008" / "roster.csv"
    lines = roster.read_text(encoding="utf-8-sig").splitlines()
    at = len(lines) * 3 // 4  # in the second half
    lines[at] += ',"a, b"' if change == "quote" else ",,,,extra"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    split = _load(root)
    assert halves[0] is None  # the roster: read whole
    _assert_same(split, _load_in_one_process(root))


@pytest.mark.parametrize("half", ["first", "second"])
def test_a_header_row_repeated_in_a_roster_tried_in_halves_reads_as_one_read(
    tmp_path: Path, halves: list[object], half: str
) -> None:
    """The repeated header is skipped with one warning either way; in the second
    half it sends the file back to a whole read, so the warning keeps its place."""
    root = _roster_with_problems(tmp_path)
    roster = root / "2008" / "roster.csv"
    lines = roster.read_text(encoding="utf-8-sig").splitlines()
    at = len(lines) // 4 if half == "first" else len(lines) * 3 // 4
    lines.insert(at, lines[0])
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    split = _load(root)
    assert (halves[0] is None) == (half == "second")
    whole = _load_in_one_process(root)
    _assert_same(split, whole)
    assert [p["row"] for p in whole[1] if p["code"] == "repeated-header-row"] == [at + 1]


def test_a_totals_row_at_the_end_of_a_roster_tried_in_halves_reads_as_one_read(
    tmp_path: Path, halves: list[object]
) -> None:
    """The 合计 row ends the second half: that file is read whole, so its one warning
    keeps its place among the problems of one read."""
    root = _roster_with_problems(tmp_path)
    roster = root / "2008" / "roster.csv"
    lines = roster.read_text(encoding="utf-8-sig").splitlines()
    lines.append(f"合计,{len(lines) - 1}人,,,,")
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    split = _load(root)
    assert halves[0] is None
    whole = _load_in_one_process(root)
    _assert_same(split, whole)
    assert [p["row"] for p in whole[1] if p["code"] == "totals-row"] == [len(lines)]


def _plain_roster(root: Path) -> tuple[Path, list[str]]:
    shutil.copytree(SAMPLES / "2008", root / "2008")
    roster = root / "2008" / "roster.csv"
    return roster, roster.read_text(encoding="utf-8-sig").splitlines()


def _without_details(frame: Any, details: frozenset[str] = year_module.ROSTER_DETAILS) -> Any:
    return frame.drop(columns=sorted(details))


# a change to one line, and whether the half holding it is then read in full
ROSTER_CHANGES = {
    "none": (lambda line: line, False),
    # a name to repair: its warning must come as from a full read
    "full-width name": (
        lambda line: line.replace(",", "１２,", 3).replace("１２,", ",", 2),
        True,
    ),
    "no-break space in a compound": (
        lambda line: line.replace(",", ",\u00a0", 4).replace(",\u00a0", ",", 3),
        True,
    ),
    # a row holding only a name is kept, blank IDs and all, for validate to report:
    # without its name it would be a blank row, dropped
    "only a name": (lambda line: ",," + line.split(",")[2] + ",,,", True),
    "only a name and 是": (lambda line: ",," + line.split(",")[2] + ",,,是", False),
}


@pytest.mark.parametrize("where", ["first", "second"])
@pytest.mark.parametrize("change", ROSTER_CHANGES)
def test_a_roster_read_without_its_details_reports_as_one_full_read(
    tmp_path: Path, halves: list[object], change: str, where: str
) -> None:
    """validate and rank do not read the roster's names, households and compounds
    (people_details=False) where leaving them out changes nothing else: the problems
    are those of a full read in one process, and the other columns the same."""
    roster, lines = _plain_roster(tmp_path)
    at = len(lines) // 4 if where == "first" else len(lines) * 3 // 4
    transform, read_in_full = ROSTER_CHANGES[change]
    lines[at] = transform(lines[at])
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    data, problems = _load(tmp_path, people_details=False)
    full, full_problems = _load_in_one_process(tmp_path)
    assert problems == full_problems
    assert_frame_equal(data.roster, _without_details(full.roster))
    assert_frame_equal(data.reps, _without_details(full.reps, year_module.REPS_DETAILS))
    assert halves[0] is not None  # cut in two
    read_without = ["name" not in table.frame for table in halves[0]]  # type: ignore[attr-defined]
    assert read_without == [not (read_in_full and where == half) for half in ("first", "second")]
    if change == "full-width name":
        assert any(p["code"] == "text-normalised" and p["row"] == at + 1 for p in problems)
    if change.startswith("only a name"):  # kept, for validate to find its blank IDs
        assert (data.roster["_row"] == at + 1).any()


@pytest.mark.parametrize("where", ["first", "second"])
@pytest.mark.parametrize("extra", [",extra", ",", "," * 3000])
def test_a_roster_with_a_wider_row_read_without_its_details_reports_as_one_full_read(
    tmp_path: Path, halves: list[object], where: str, extra: str
) -> None:
    """pandas, told which columns to read, lets a row wider than the header pass; the
    file is then read as a full read reads it (the csv module, or refused as too wide)."""
    roster, lines = _plain_roster(tmp_path)
    at = len(lines) // 4 if where == "first" else len(lines) * 3 // 4
    lines[at] += extra
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    data, problems = _load(tmp_path, people_details=False)
    full, full_problems = _load_in_one_process(tmp_path)
    assert problems == full_problems
    if full.roster is None:
        assert data.roster is None and "csv-too-wide" in [p["code"] for p in problems]
    else:
        assert_frame_equal(data.roster, _without_details(full.roster))


def test_a_roster_read_whole_without_its_details_reports_as_one_full_read(
    tmp_path: Path,
) -> None:
    """A large roster that cannot be cut (a quoted field) is left without its details
    on the same conditions as a half."""
    roster, lines = _plain_roster(tmp_path)
    lines[len(lines) // 2] += ',"a, b"'
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    data, problems = _load(tmp_path, people_details=False)
    full, full_problems = _load_in_one_process(tmp_path)
    assert problems == full_problems
    assert_frame_equal(data.roster, _without_details(full.roster))


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_a_roster_separated_by_tabs_or_semicolons_read_in_halves_equals_one_read(
    tmp_path: Path, halves: list[object], delimiter: str
) -> None:
    root = _roster_with_problems(tmp_path)
    roster = root / "2008" / "roster.csv"
    text = roster.read_text(encoding="utf-8-sig")
    roster.write_text(text.replace(",", delimiter), encoding="utf-8-sig")
    split = _load(root)
    assert halves[0] is not None  # cut, and each half read with the file's separator
    whole = _load_in_one_process(root)
    _assert_same(split, whole)
    assert [p["code"] for p in whole[1]].count("csv-delimiter") == 1
    assert not [p for p in whole[1] if p["code"] == "no-header-row"]


ROSTER_CORRUPTIONS = [
    corrupt.truncate_file,
    corrupt.flip_bytes,
    corrupt.insert_bytes,
    corrupt.csv_junk_cells,
    corrupt.csv_junk_header,
    corrupt.csv_shuffle,
    corrupt.csv_header_only,
    corrupt.csv_reencode,
    corrupt.csv_line_endings,
    corrupt.csv_stray_quotes,
    corrupt.csv_separator,
    corrupt.csv_wide,
    corrupt.csv_long,
    corrupt.csv_unicode,
]


@pytest.mark.parametrize("name", ["roster.csv", "reps.csv"])
@pytest.mark.parametrize("corruption", ROSTER_CORRUPTIONS, ids=lambda c: c.__name__)
def test_a_broken_roster_tried_in_halves_reads_as_one_read(
    tmp_path: Path, halves: list[object], corruption: Any, name: str
) -> None:
    """Cut in two, or not (then the grid read for the attempt is read whole): the
    same tables and problems as one plain read of the file."""
    shutil.copytree(SAMPLES / "2008", tmp_path / "2008")
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.move(tmp_path / "2008" / name, alone / name)
    corruption(alone, random.Random(name))  # this file and no other
    shutil.move(alone / name, tmp_path / "2008" / name)
    split = _load(tmp_path)
    assert halves  # tried
    whole = _load_in_one_process(tmp_path)
    _assert_same(split, whole)
    # and as validate reads it, without the details only the draw uses
    data, problems = _load(tmp_path, people_details=False)
    assert problems == whole[1]
    kind = name.removesuffix(".csv")
    frame, full_frame = getattr(data, kind), getattr(whole[0], kind)
    if full_frame is None:
        assert frame is None
    else:
        details = {"roster": year_module.ROSTER_DETAILS, "reps": year_module.REPS_DETAILS}
        assert_frame_equal(frame, _without_details(full_frame, details[kind]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"a\nb\nc\nd\n", 6),  # the line after the middle
        (b"a\r\nb\r\nc\r\n", 6),
        (b"a\rb\rc\rd\r", None),  # pandas also ends rows at a lone CR
        (b'a\n"b\nc"\nd\n', None),  # a quoted field may span lines
        (b"aaaaaaaa\nb", 9),
        (b"aaaaaaaa\n", None),  # no line starts after the middle
    ],
)
def test_halfway_line(text: bytes, expected: int | None) -> None:
    assert year_module._halfway_line(text) == expected


def test_mostly_distinct_text_is_sent_joined_unless_shared() -> None:
    column = np.array([f"A{n:05d}" for n in range(5000)], dtype=object)
    assert forked.pack_column(column)[0] == "text"
    packed = forked.pack_column(column, share=False)
    assert packed[0] == "joined"
    back = forked.unpack_column(pickle.loads(pickle.dumps(packed)))
    assert back.dtype == object and back.tolist() == column.tolist()


def test_a_roster_smaller_than_the_sheets_read_meanwhile_is_read_whole(
    tmp_path: Path, halves: list[object]
) -> None:
    """At a nation's size the other process is busy with the sheets: no third one."""
    root = _roster_with_problems(tmp_path)
    folder = root / "2008"
    data = year_module.YearData(
        root=root,
        year="2008",
        folder=folder,
        scheme=None,  # type: ignore[arg-type]
        communities=None,  # type: ignore[arg-type]
        criteria=None,  # type: ignore[arg-type]
        roster=None,
        reps=None,
        flags=None,  # type: ignore[arg-type]
        scores=None,  # type: ignore[arg-type]
    )
    sheets = folder.stat().st_size + (folder / "roster.csv").stat().st_size
    read = year_module._BytesRead(folder, None, scores=False)
    year_module._read_people(folder, Report(), data, read, busy_bytes=sheets)
    assert halves == []
    assert data.roster is not None and len(data.roster) > 2000


# ----------------------- read without details: what a full read does that it must too


def _lean_as_full(root: Path, kind: str = "roster", scores: bool = True) -> None:
    """load_year without the people's details gives the problems of one full read in
    one process, and the same frame but for the columns left out."""
    data, problems = _load(root, people_details=False, scores=scores)
    os.environ["STARCOMMUNITY_NO_FORK"] = "1"
    try:
        full, full_problems = _load(root, scores=scores)
    finally:
        del os.environ["STARCOMMUNITY_NO_FORK"]
    assert problems == full_problems
    details = {"roster": year_module.ROSTER_DETAILS, "reps": year_module.REPS_DETAILS}[kind]
    frame, full_frame = getattr(data, kind), getattr(full, kind)
    if full_frame is None:
        assert frame is None
    else:
        assert frame is not None
        assert_frame_equal(frame, _without_details(full_frame, details))


def _people_lines(root: Path, kind: str) -> tuple[Path, list[str]]:
    shutil.copytree(SAMPLES / "2008", root / "2008")
    path = root / "2008" / f"{kind}.csv"
    return path, path.read_text(encoding="utf-8-sig").splitlines()


def _write(path: Path, lines: list[str], newline: str = "\n") -> None:
    path.write_bytes((newline.join(lines) + newline).encode("utf-8-sig"))


@pytest.mark.parametrize("kind", ["roster", "reps"])
@pytest.mark.parametrize("name", ['"e"\u0301', '"\u1100"\u1161'], ids=["e-acute", "hangul"])
def test_a_name_whose_quote_parts_a_combining_sequence_warns_as_a_full_read(
    tmp_path: Path, kind: str, name: str
) -> None:
    """The file's text holds a quote between e and its accent; the cell pandas reads
    does not, and NFKC composes it: a quoted file is read with every column."""
    path, lines = _people_lines(tmp_path, kind)
    at = len(lines) // 2
    cells = lines[at].split(",")
    cells[2 if kind == "roster" else 3] = name  # 姓名 / name
    lines[at] = ",".join(cells)
    _write(path, lines)
    _lean_as_full(tmp_path, kind)


def _short_rows_and_a_wide_one(lines: list[str], change: str) -> None:
    """Rows with fewer separators than the header beside one with more: their sum is
    what rows of the grid's width hold, so body_without's count does not tell."""
    if change == "too wide":  # a full read refuses it as csv-too-wide
        for at in range(300, 800):
            lines[at] = ",".join(lines[at].split(",")[:2])
        lines[2500] += "," * 2000
        return
    if change == "lone CR":  # pandas ends a row there, the csv module refuses it
        cells = lines[700].split(",")
        lines[700] = ",".join(cells[:3]) + "\r," + ",".join(cells[3:])
    else:  # "long name": beyond the csv module's field limit (131072)
        cells = lines[300].split(",")
        cells[2] = "x" * 140_000
        lines[300] = ",".join(cells)
        lines[500] = ",".join(lines[500].split(",")[:5])
    lines[2000] += ",extra"


@pytest.mark.parametrize("where", ["whole", "halves"])
@pytest.mark.parametrize("change", ["too wide", "lone CR", "long name"])
def test_a_wide_row_beside_short_ones_read_without_details_reports_as_one_full_read(
    tmp_path: Path, request: pytest.FixtureRequest, change: str, where: str
) -> None:
    """Shorter rows make up for a wider one in a count of all separators: each line's
    are counted, so the file goes to the csv module as a full read sends it."""
    if where == "halves":
        request.getfixturevalue("halves")
    roster, lines = _plain_roster(tmp_path)
    _short_rows_and_a_wide_one(lines, change)
    _write(roster, lines)
    _lean_as_full(tmp_path)


@pytest.mark.parametrize("mark", ["\u2028", "\x0c", "\x85", "\x1e"], ids=repr)
def test_a_title_holding_a_line_separator_read_without_details_keeps_every_row(
    tmp_path: Path, mark: str
) -> None:
    """str.splitlines ends a line at U+2028, FF, NEL or RS, pandas does not: the header
    is not looked for in a sample so split, or it is taken a row too low."""
    roster, lines = _plain_roster(tmp_path)
    _write(roster, [f"星光社区{mark}居民名册", *lines])
    _lean_as_full(tmp_path)


def test_validate_json_is_the_same_whatever_line_separator_a_roster_title_holds(
    tmp_path: Path,
) -> None:
    """The same through validate: a row too low lost the first resident, and the
    representative drawn from it was reported as not in the roster."""
    outputs = []
    for title in ("星光社区居民名册", "星光社区\u2028居民名册"):
        root = tmp_path / str(len(outputs))
        roster, lines = _plain_roster(root)
        first = next(n for n, line in enumerate(lines) if ",NMF01-0053," in line)  # a rep
        lines.insert(1, lines.pop(first))
        _write(roster, [title, *lines])
        result = run("validate", "--root", root, "--year", "2008", "--format", "json", "-q")
        outputs.append((result.exit_code, json.loads(result.stdout)))
    assert outputs[1] == outputs[0]


def test_a_bom_starting_the_second_half_reads_as_one_full_read(
    tmp_path: Path, halves: list[object]
) -> None:
    """pandas drops a BOM that starts what it reads; one read of the file keeps it in
    the cell, so the file is not cut there."""
    roster, lines = _plain_roster(tmp_path)
    text = ("\n".join(lines) + "\n").encode()
    start = year_module._halfway_line(text)
    assert start is not None
    at = text.count(b"\n", 0, start)  # the index of the line starting there
    lines[at] = "\ufeff" + lines[at]
    _write(roster, lines)
    _lean_as_full(tmp_path)
    assert halves[0] is None  # not cut where pandas would drop the BOM: read whole


# Pieces of cells a clerk's or a careless export's roster may hold: CJK and other
# scripts, what NFKC changes (full-width, compatibility ideographs, radicals, ligatures,
# spaces), combining marks and Hangul jamo, quotes, formula guards, separators and line
# ends of every kind, a BOM, and the words of headers and closing rows.
_PIECES = [
    *"王明〇·😀가eх1",  # (х: Cyrillic)
    *"\u0301\u0338\u1100\u1161\u200b\ufeff\uf900\u2f00\u2e80ﬁ\u00bd\u00a0\u3000",
    *("１２", "ＮＭＦ０１", "NMF01", "是", "否", "合计", "注：", "制表人", "社区编号", "姓名"),
    *('"', '""', "'", "'=", "'-", "=", " ", "\t", ";", ",", "\\", "\x1a", "\x7f"),
    *("\r", "\r\n", "\n", "\u2028", "\x85", "\x0c", ""),
]
# and a few pieces often together: a quoted field's end before a combining mark...
_DENSE = ['"', '"e"', "e", "\u0301", "\u1100", "\u1161", "王", "\r", "\ufeff", "\u2028"]
_cells = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=4),
    st.lists(st.sampled_from(_DENSE), max_size=3),
).map("".join)


def _sample_lines(kind: str) -> list[str]:
    return (SAMPLES / "2008" / f"{kind}.csv").read_text(encoding="utf-8-sig").splitlines()


def _row_from(base: list[str], header: str) -> st.SearchStrategy[str]:
    """A row of the people's files: `base` with a cell changed, cut short or made wider,
    or cells of the pieces, or a blank, repeated header or closing row."""
    return st.one_of(
        st.tuples(st.integers(0, len(base) - 1), _cells).map(
            lambda change: ",".join(
                change[1] if i == change[0] else cell for i, cell in enumerate(base)
            )
        ),
        st.lists(_cells, min_size=1, max_size=8).map(",".join),
        st.integers(1, len(base) - 1).map(lambda n: ",".join(base[:n])),
        st.tuples(st.integers(1, 3), _cells).map(
            lambda extra: ",".join(base) + "," * extra[0] + extra[1]
        ),
        st.sampled_from(["", ",,,,,", " ", header, "合计,3人,,,,"]),
    )


@st.composite
def _people_text(draw: st.DrawFn, kind: str) -> tuple[str, str, str]:
    """A roster's or representatives' text: their first 150 lines with a few rows
    changed or put in, maybe a title above; with its separator and encoding."""
    lines = _sample_lines(kind)
    body = lines[1:150]
    for _ in range(draw(st.integers(1, 6))):
        base = draw(st.sampled_from(lines[1:150])).split(",")
        row = draw(_row_from(base, lines[0].lstrip("\ufeff")))
        body.insert(draw(st.integers(0, len(body))), row)
    titles = draw(
        st.lists(st.sampled_from(["星光社区居民名册", "（２００８年）", '"名册\n2008"', ""]))
    )
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join([*titles[:2], lines[0].lstrip("\ufeff"), *body]) + newline
    delimiter = draw(st.sampled_from([",", ",", "\t", ";"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-8-sig", "gb18030", "utf-16"]))
    return text.replace(",", delimiter), delimiter, encoding


_LEAN_EXAMPLES = int(os.environ.get("LEAN_EXAMPLES", "40"))


@pytest.mark.parametrize("where", ["whole", "halves"])
@pytest.mark.parametrize("kind", ["roster", "reps"])
@settings(
    max_examples=_LEAN_EXAMPLES,
    deadline=None,
    derandomize="LEAN_RANDOM" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_roster_or_reps_text_read_without_details_reports_as_one_full_read(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str, where: str, data: st.DataObject
) -> None:
    """Differential: whatever the text, the read without the people's details gives
    the problems and other columns of one full read in one process (LEAN_EXAMPLES and
    LEAN_RANDOM search further)."""
    if where == "halves":
        request.getfixturevalue("halves")
    path = tmp_path / "2008" / f"{kind}.csv"
    if not path.exists():
        shutil.copytree(SAMPLES / "2008", tmp_path / "2008")
    text, _delimiter, encoding = data.draw(_people_text(kind))
    path.write_bytes(text.encode(encoding))
    _lean_as_full(tmp_path, kind, scores=False)  # the sheets are read apart
