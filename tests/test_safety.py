"""Reliability and security (issue 6): what a hostile or broken input cannot do.

Outputs are atomic and never replace an input; no text becomes a formula; names from
the inputs make safe file and sheet names; hostile workbooks (zip bombs, entity
expansion, a value in XFD1048576) are refused or read harmlessly within bounded
memory; the same inputs give the same outputs; an internal error is one line for a
user and a traceback only with --debug; personal data stays in the office's outputs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from tests.conftest import Cli, folder_digest
from tests.corrupt import BILLION_LAUGHS
from tests.yearfolder import write_year

SCRIPT = Path(sys.executable).with_name("starcommunity")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "a\x01b\x1bc",
    "../../etc/passwd",
    "a:b*c?[d]",
    "x" * 40,
]


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path} is neither UTF-8 nor GB18030")


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_read_text(path))))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")


def _rename_communities(year: Path, names: list[str]) -> dict[str, str]:
    """Give the sample communities hostile names; returns id -> name."""
    path = year / "communities.csv"
    rows = _rows(path)
    header = next(i for i, row in enumerate(rows) if row and row[0] in ("社区编号", "community_id"))
    renamed = {}
    for offset, row in enumerate(rows[header + 1 :]):
        if row and offset < len(names):
            row[1] = names[offset]
            renamed[row[0]] = names[offset]
    _write_rows(path, rows)
    return renamed


def _xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _assert_no_formula_or_link(path: Path) -> None:
    """No formula and no hyperlink anywhere in the workbook's XML, nor in openpyxl's view."""
    for name, content in _xml_parts(path).items():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            assert not re.search(rb"<(\w+:)?f[ >]", content), f"formula in {name}"
            assert not re.search(rb"<(\w+:)?hyperlinks?[ >]", content), f"link in {name}"
        if name.endswith(".rels"):
            assert b"relationships/hyperlink" not in content, f"link in {name}"
    workbook = load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert cell.hyperlink is None


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    limit = 4 << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _script(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The installed console script, memory-bound and time-bound, as a user runs it."""
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        timeout=120,
        preexec_fn=_limit_memory,
        env={**os.environ, **(env or {})},
        check=False,
    )


needs_script = pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed")


# ---------------------------------------------------------------------------------------
# atomic writes


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    from starcommunity.io.writing import atomic_write

    target = tmp_path / "reps.csv"
    target.write_bytes(b"the old draw")

    def half_then_fail(temporary: Path) -> None:
        temporary.write_bytes(b"half of the new dr")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"the old draw"
    assert [p.name for p in tmp_path.iterdir()] == ["reps.csv"]


def test_files_written_together_are_all_kept_when_one_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starcommunity.io import writing

    first, second = tmp_path / "reps.csv", tmp_path / "reps.draw.json"
    first.write_bytes(b"old reps")
    second.write_bytes(b"old record")
    real_fsync = os.fsync
    calls = []

    def fail_on_second(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(writing.os, "fsync", fail_on_second)
    with pytest.raises(OSError):
        writing.atomic_write_all({first: b"new reps", second: b"new record"})
    assert first.read_bytes() == b"old reps" and second.read_bytes() == b"old record"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reps.csv", "reps.draw.json"]


def test_rank_report_failing_mid_write_keeps_the_old_report(
    cli: Cli, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl.writer.excel import ExcelWriter

    output = tmp_path / "out" / "results.xlsx"
    assert cli("rank", "--root", root, "--year", "2008", "-o", output).exit_code == 0
    before = output.read_bytes()

    def crash(self: Any) -> None:
        self._archive.writestr("xl/half.xml", b"<half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ExcelWriter, "save", crash)
    result = cli("rank", "--root", root, "--year", "2008", "-o", output, "--force")
    assert result.exit_code == 1
    assert "No space left" in result.stderr
    assert output.read_bytes() == before
    assert [p.name for p in output.parent.iterdir()] == ["results.xlsx"]


def test_draw_failing_mid_write_keeps_reps_and_record_together(
    cli: Cli, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starcommunity.io import writing

    year = root / "2008"
    reps, record = (year / "reps.csv").read_bytes(), (year / "reps.draw.json").read_bytes()
    real_fdopen = os.fdopen
    opened: list[int] = []

    def disk_full_on_the_record(fd: int, *args: Any, **kwargs: Any) -> Any:
        opened.append(fd)
        if len(opened) == 2:  # reps.csv's temporary is written, the record's is not
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(writing.os, "fdopen", disk_full_on_the_record)
    with pytest.raises(OSError, match="No space"):
        cli("draw-reps", "--root", root, "--year", "2008", "--seed", "other", "--force")
    assert (year / "reps.csv").read_bytes() == reps
    assert (year / "reps.draw.json").read_bytes() == record
    assert not [p for p in year.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------------------------
# outputs never replace inputs; existing outputs are kept


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("target", ["criteria.xlsx", "sheets/区农委评分.xlsx"])
def test_rank_refuses_to_write_its_report_over_an_input(
    cli: Cli, root: Path, target: str, force: bool
) -> None:
    before = folder_digest(root)
    args = ["rank", "--root", root, "--year", "2008", "--output", root / "2008" / target]
    result = cli(*args, *(["--force"] if force else []))
    assert result.exit_code == 2
    assert "input" in result.stderr
    assert folder_digest(root) == before


def test_rank_refuses_a_report_inside_the_sheets_folder(cli: Cli, root: Path) -> None:
    output = root / "2008" / "sheets" / "results.xlsx"
    result = cli("rank", "--root", root, "--year", "2008", "--output", output)
    assert result.exit_code == 2
    assert not output.exists()


@pytest.mark.parametrize(
    ("command", "output"),
    [
        # rank 2009 reads 2008 for the star change; --force used to replace its criteria
        (["rank", "--year", "2009", "--force"], "2008/criteria.xlsx"),
        (["notice", "--year", "2009", "--force"], "2008/sheets/区农委评分.xlsx"),
        # a new file in a sheets/ folder is read as a score sheet by the next validate
        (["notice", "--year", "2008"], "2008/sheets/公示名单.xlsx"),
        (["notice", "--year", "2009"], "2008/sheets/公示名单.xlsx"),
        (["rank", "--year", "2008"], "2009/sheets/results.xlsx"),
        (["forms", "--year", "2008"], "2009/sheets/forms"),
    ],
)
def test_no_output_goes_over_or_among_the_inputs_of_any_year(
    cli: Cli, root: Path, command: list[str], output: str
) -> None:
    before = folder_digest(root)
    result = cli(command[0], "--root", root, *command[1:], "--output", root / output)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "input" in result.stderr or "sheets" in result.stderr
    assert "Traceback" not in result.stderr
    assert folder_digest(root) == before
    assert cli("validate", "--root", root, "--year", "2008").exit_code == 0


def test_notice_refuses_to_write_over_an_input(cli: Cli, root: Path) -> None:
    before = folder_digest(root)
    output = root / "2008" / "sheets" / "居民代表评分.xlsx"
    result = cli("notice", "--root", root, "--year", "2008", "-o", output, "--force")
    assert result.exit_code == 2
    assert folder_digest(root) == before


@pytest.mark.parametrize(
    "command",
    [
        ["rank", "--output", "{out}/r.xlsx"],
        ["notice", "--output", "{out}/r.xlsx"],
        ["forms", "--output", "{out}"],
    ],
)
def test_existing_outputs_are_kept_without_force(
    cli: Cli, root: Path, tmp_path: Path, command: list[str]
) -> None:
    out = tmp_path / "out"
    args = [a.format(out=out) for a in command]
    assert cli(args[0], "--root", root, "--year", "2008", *args[1:]).exit_code == 0
    before = folder_digest(out)
    result = cli(args[0], "--root", root, "--year", "2008", *args[1:])
    assert result.exit_code in (1, 2)
    assert "--force" in result.stderr
    assert folder_digest(out) == before
    forced = cli(args[0], "--root", root, "--year", "2008", *args[1:], "--force")
    assert forced.exit_code == 0


def test_an_output_named_like_a_folder_is_refused(cli: Cli, root: Path, tmp_path: Path) -> None:
    (tmp_path / "r.xlsx").mkdir()
    result = cli("rank", "--root", root, "--year", "2008", "-o", tmp_path / "r.xlsx", "--force")
    assert result.exit_code == 2
    assert "folder" in result.stderr or "directory" in result.stderr
    from starcommunity.io.writing import OutputRefused, check_output_path

    with pytest.raises(OutputRefused, match="folder"):
        check_output_path(tmp_path / "r.xlsx", [], force=True)


# ---------------------------------------------------------------------------------------
# no formula, no hyperlink, in any output


def _formula_cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row if c.startswith(FORMULA_START)]


def test_csv_outputs_never_start_a_formula(cli: Cli, root: Path) -> None:
    year = root / "2008"
    _rename_communities(year, HOSTILE_NAMES)
    for command in ("rank", "score"):
        result = cli(command, "--root", root, "--year", "2008", "--format", "csv")
        assert result.exit_code == 0, result.stderr
        assert _formula_cells(result.stdout) == []
        assert "'=HYPERLINK(" in result.stdout and "'@SUM(A1)" in result.stdout
    # validate echoes bad cells back: they are neutralised too
    sheet = year / "sheets" / "office_scores.csv"
    rows = _rows(sheet)
    rows[3][5] = "=1+1"
    rows[4][6] = "@SUM(1)"
    rows[5][7] = "-cmd|' /C calc'!A0"
    _write_rows(sheet, rows)
    result = cli("validate", "--root", root, "--year", "2008", "--format", "csv")
    assert result.exit_code == 1
    assert _formula_cells(result.stdout) == []
    assert "'=1+1" in result.stdout and "'@SUM(1)" in result.stdout


def test_excel_outputs_hold_hostile_text_as_text(cli: Cli, root: Path, tmp_path: Path) -> None:
    year = root / "2008"
    renamed = _rename_communities(year, HOSTILE_NAMES)
    report = tmp_path / "r.xlsx"
    assert cli("rank", "--root", root, "--year", "2008", "-o", report).exit_code == 0
    _assert_no_formula_or_link(report)
    texts = {c.value for s in load_workbook(report) for r in s.iter_rows() for c in r}
    assert HOSTILE_NAMES[0] in texts  # kept, as text
    assert "ab" + "c" in texts  # control characters dropped, the rest kept
    forms = tmp_path / "forms"
    assert cli("forms", "--root", root, "--year", "2008", "-o", forms).exit_code == 0
    for path in forms.iterdir():
        _assert_no_formula_or_link(path)
    notice = tmp_path / "n.xlsx"
    assert cli("notice", "--root", root, "--year", "2008", "-o", notice).exit_code == 0
    _assert_no_formula_or_link(notice)
    assert renamed


# ---------------------------------------------------------------------------------------
# names from the inputs in file and sheet names


def test_forms_make_safe_distinct_file_names(cli: Cli, tmp_path: Path) -> None:
    ids = ["A:1", "A*1", "a:1", "CON", "..", "x" * 100]
    names = ["../../etc/passwd", "a/b", "🎉" * 80, ".", "..", "社" * 90]
    write_year(
        tmp_path,
        2010,
        {i: {"committee": [80], "office": [80], "residents": [80]} for i in ids},
        names=dict(zip(ids, names, strict=True)),
    )
    out = tmp_path / "forms"
    result = cli("forms", "--root", tmp_path, "--year", "2010", "-o", out, "--format", "json")
    assert result.exit_code == 0, result.stderr
    files = sorted(out.iterdir())
    assert len(files) == len(ids)
    assert len({p.name.casefold() for p in files}) == len(ids)
    for path in files:
        assert path.parent == out and path.suffix == ".xlsx"
        assert len(path.name.encode("utf-8")) <= 255
        assert not re.search(r'[<>:"/\\|?*\x00-\x1f]', path.name)
        assert path.stem.split(".")[0].casefold() not in {"con", "nul", "prn", "aux"}
        load_workbook(path)
    assert not (tmp_path / "etc").exists()


def test_notice_makes_valid_distinct_sheet_names(cli: Cli, root: Path, tmp_path: Path) -> None:
    year = root / "2008"
    compounds = ["a:b*c?[d]", "a?b*c:[d]", "x" * 40, "x" * 41, "History", "'quoted'", "/"]
    rows = _rows(year / "roster.csv")
    for number, row in enumerate(rows[1:]):
        if row and row[0] == "NMF01":
            row[4] = compounds[number % len(compounds)]
    _write_rows(year / "roster.csv", rows)
    output = tmp_path / "n.xlsx"
    result = cli("notice", "--root", root, "--year", "2008", "-o", output)
    assert result.exit_code == 0, result.stderr
    titles = load_workbook(output).sheetnames
    assert len({t.casefold() for t in titles}) == len(titles)
    for title in titles:
        assert 0 < len(title.encode("utf-16-le")) // 2 <= 31
        assert not re.search(r"[\[\]:*?/\\]", title)
        assert not title.startswith("'") and not title.endswith("'")
        assert title.casefold() != "history"
    import python_calamine

    assert python_calamine.CalamineWorkbook.from_path(str(output)).sheet_names == titles


@settings(max_examples=200, deadline=None)
@given(names=st.lists(st.text(max_size=60), min_size=1, max_size=8))
def test_safe_titles_and_stems_for_any_text(names: list[str]) -> None:
    from starcommunity.io.writing import safe_file_stem, safe_sheet_title

    titles: set[str] = set()
    stems: set[str] = set()
    for name in names:
        title = safe_sheet_title(name, titles)
        assert 0 < len(title.encode("utf-16-le", "surrogatepass")) // 2 <= 31
        assert not re.search(r"[\[\]:*?/\\\x00-\x1f]", title)
        assert title.strip() and not title.startswith("'") and not title.endswith("'")
        stem = safe_file_stem(name, stems)
        assert stem and stem not in (".", "..") and ".." not in stem
        assert not re.search(r'[<>:"/\\|?*\x00-\x1f]', stem)
        assert len(stem.encode("utf-8", "surrogatepass")) <= 190
        assert Path("/out", f"{stem}.xlsx").parent == Path("/out")
    assert len({t.casefold() for t in titles}) == len(titles)
    assert len({s.casefold() for s in stems}) == len(stems)


# ---------------------------------------------------------------------------------------
# hostile workbooks


def _workbook(path: Path, rows: list[list[Any]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _score_sheet(year: Path) -> Path:
    return _workbook(
        year / "sheets" / "extra.xlsx",
        [["community_id", "group", "rater_id", "A1"], ["NMF01", "committee", "C09", 4]],
    )


def _rewrite(path: Path, change: Any) -> None:
    parts = _xml_parts(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, change(name, content))


def _problem_codes(cli: Cli, root: Path) -> tuple[int, set[str]]:
    code, report = cli.json("validate", "--root", root, "--year", "2008")
    return code, {p["code"] for p in report["errors"] + report["warnings"]}


def test_a_zip_bomb_is_refused_before_unpacking(cli: Cli, root: Path) -> None:
    sheet = _score_sheet(root / "2008")
    _rewrite(
        sheet,
        lambda name, content: (
            content.replace(b"</sheetData>", b"</sheetData>" + b" " * 50_000_000)
            if name.startswith("xl/worksheets/")
            else content
        ),
    )
    assert sheet.stat().st_size < 200_000
    code, codes = _problem_codes(cli, root)
    assert code == 1 and "workbook-too-large" in codes


def test_a_zip_that_lies_about_its_size_is_refused(cli: Cli, root: Path) -> None:
    sheet = _score_sheet(root / "2008")
    data = bytearray(sheet.read_bytes())
    with zipfile.ZipFile(sheet) as archive:
        info = next(i for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    # local header and central directory both claim the sheet unpacks to 10 bytes
    data[info.header_offset + 22 : info.header_offset + 26] = (10).to_bytes(4, "little")
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(info.filename)] != info.filename.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    sheet.write_bytes(bytes(data))
    code, codes = _problem_codes(cli, root)
    assert code == 1 and codes & {"not-a-workbook", "unreadable-sheet"}


SHARED_STRINGS = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


def _with_shared_strings(name: str, content: bytes) -> bytes:
    """openpyxl writes inline strings; give the workbook a sharedStrings part to attack."""
    if name == "[Content_Types].xml":
        return content.replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    if name == "xl/_rels/workbook.xml.rels":
        return content.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
    if name.startswith("xl/worksheets/"):
        return re.sub(
            rb'<c r="D2" t="inlineStr"><is><t>[^<]*</t></is></c>',
            b'<c r="D2" t="s"><v>0</v></c>',
            content,
        )
    return content


@needs_script
@pytest.mark.parametrize("part", ["xl/worksheets/", "xl/sharedStrings.xml"])
def test_billion_laughs_is_read_harmlessly(root: Path, part: str) -> None:
    sheet = _workbook(
        root / "2008" / "sheets" / "laughs.xlsx",
        [["community_id", "group", "rater_id", "A1"], ["NMF01", "committee", "C09", "text"]],
    )
    if part.startswith("xl/sharedStrings"):
        _rewrite(sheet, _with_shared_strings)
        with zipfile.ZipFile(sheet, "a") as archive:
            archive.writestr(part, BILLION_LAUGHS + SHARED_STRINGS)
    else:

        def explode(name: str, content: bytes) -> bytes:
            if not name.startswith(part):
                return content
            body = content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else content
            return BILLION_LAUGHS + body.replace(b"<v>", b"<v>&lol9;").replace(b"<t>", b"<t>&lol9;")

        _rewrite(sheet, explode)
    assert any(b"&lol9;" in content for content in _xml_parts(sheet).values())
    before = folder_digest(root)
    result = _script("validate", "--root", root, "--year", "2008", "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    assert b"Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert "lol" * 100 not in json.dumps(report)  # the entities were never expanded
    assert folder_digest(root) == before


@needs_script
@pytest.mark.parametrize(("row", "column"), [(1048576, 16384), (1048576, 1), (3, 16384)])
def test_a_value_far_from_the_table_does_not_exhaust_memory(
    root: Path, row: int, column: int
) -> None:
    sheet = root / "2008" / "sheets" / "区农委评分.xlsx"
    workbook = load_workbook(sheet)
    workbook.active.cell(row=row, column=column).value = "x"
    workbook.save(sheet)
    result = _script("validate", "--root", root, "--year", "2008", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert b"Traceback" not in result.stderr and b"panicked" not in result.stderr
    codes = {p["code"] for p in json.loads(result.stdout)["errors"]}
    if row > 100_000:
        assert "stray-far-cells" in codes
    else:  # 3 rows x 16384 columns is small enough to read: an unknown column, say
        assert "stray-far-cells" not in codes


def test_a_csv_line_with_thousands_of_fields_is_refused(cli: Cli, root: Path) -> None:
    roster = root / "2008" / "roster.csv"
    lines = roster.read_bytes().split(b"\n")
    lines.insert(1000, b"x" + b",x" * 100_000)
    roster.write_bytes(b"\n".join(lines))
    code, codes = _problem_codes(cli, root)
    assert code == 1 and "csv-too-wide" in codes


def test_a_date_cell_out_of_range_is_a_problem_not_a_panic(root: Path) -> None:
    from starcommunity.io.tables import read_grids
    from starcommunity.problems import Report

    path = _workbook(root / "d.xlsx", [["a", "b"], [-1e308, 1]])
    workbook = load_workbook(path)
    workbook.active["A2"].number_format = "yyyy-mm-dd"
    workbook.save(path)
    report = Report()
    read_grids(path, "d.xlsx", report)  # calamine panics in Rust on this cell
    assert [p.code for p in report.problems] == ["unreadable-sheet"]


# ---------------------------------------------------------------------------------------
# determinism


@pytest.mark.parametrize("command", ["validate", "score", "rank"])
@pytest.mark.parametrize("output_format", ["json", "csv"])
def test_same_inputs_give_byte_identical_output(
    cli: Cli, root: Path, command: str, output_format: str
) -> None:
    args = (command, "--root", root, "--year", "2009", "--format", output_format)
    first, second = cli(*args), cli(*args)
    assert first.exit_code == second.exit_code
    assert first.stdout.encode() == second.stdout.encode()
    assert first.stdout.strip()


def test_excel_report_differs_only_in_its_time(cli: Cli, root: Path, tmp_path: Path) -> None:
    from starcommunity.report.excel import LABELS

    stamps = {label for label in LABELS["audit_generated"]}

    def cells(path: Path) -> list[tuple[str, str, Any]]:
        workbook = load_workbook(path)
        values = []
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                if row and row[0].value in stamps:
                    continue
                values += [(sheet.title, c.coordinate, c.value) for c in row]
        return values

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert cli("rank", "--root", root, "--year", "2009", "-o", a).exit_code == 0
    assert cli("rank", "--root", root, "--year", "2009", "-o", b).exit_code == 0
    assert cells(a) == cells(b)
    assert len(cells(a)) > 100


# ---------------------------------------------------------------------------------------
# unexpected errors: one line for a user, the traceback with --debug


def _main(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    *args: str,
) -> tuple[int, str]:
    from starcommunity import validate
    from starcommunity.cli import DEBUG_ENV, main

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(validate, "validate_year", broken)
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    monkeypatch.setattr(sys, "argv", ["starcommunity", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    return int(stopped.value.code or 0), capsys.readouterr().err


def test_an_internal_error_is_one_line_and_how_to_report_it(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _main(
        monkeypatch,
        capsys,
        RuntimeError("boom\nsecond line"),
        "validate",
        "--root",
        str(root),
        "--year",
        "2008",
    )
    assert code == 1
    assert err.splitlines()[0] == "Unexpected error: RuntimeError: boom second line"
    assert "--debug" in err and "Traceback" not in err
    assert len(err.splitlines()) == 2


def test_debug_shows_the_traceback(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        _main(
            monkeypatch,
            capsys,
            RuntimeError("boom"),
            "--debug",
            "validate",
            "--root",
            str(root),
            "--year",
            "2008",
        )


def test_a_rust_panic_is_caught_like_any_error(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    panic = type("PanicException", (BaseException,), {})
    code, err = _main(
        monkeypatch, capsys, panic("overflow"), "validate", "--root", str(root), "--year", "2008"
    )
    assert code == 1 and err.startswith("Unexpected error: PanicException: overflow")


def test_a_file_system_error_is_a_plain_message(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = PermissionError(13, "Permission denied", "results.xlsx")
    code, err = _main(monkeypatch, capsys, error, "validate", "--root", str(root), "--year", "2008")
    assert code == 1
    assert err == "Error: results.xlsx: Permission denied\n"


@needs_script
def test_the_console_script_hides_tracebacks_unless_debug(root: Path, tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import starcommunity.validate as v\n"
        "def broken(*a, **k):\n"
        "    raise RuntimeError('injected failure')\n"
        "v.validate_year = broken\n",
        encoding="utf-8",
    )
    env = {"PYTHONPATH": str(hook), "STARCOMMUNITY_DEBUG": ""}
    plain = _script("validate", "--root", root, "--year", "2008", env=env)
    assert plain.returncode == 1
    assert plain.stderr.decode().startswith("Unexpected error: RuntimeError: injected failure")
    assert b"Traceback" not in plain.stderr
    debug = _script("--debug", "validate", "--root", root, "--year", "2008", env=env)
    assert debug.returncode == 1
    assert b"Traceback" in debug.stderr and b"injected failure" in debug.stderr


@needs_script
def test_a_closed_pipe_ends_quietly(root: Path) -> None:
    sheet = root / "2008" / "sheets" / "office_scores.csv"
    rows = _rows(sheet)
    _write_rows(sheet, [rows[0], *([*row[:5], *["x"] * (len(row) - 5)] for row in rows[1:])])
    process = subprocess.Popen(
        [str(SCRIPT), "validate", "--root", str(root), "--year", "2008", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.read(10)
    process.stdout.close()
    _out, err = process.communicate(timeout=60)
    assert b"Traceback" not in err and b"Unexpected error" not in err


# ---------------------------------------------------------------------------------------
# personal data stays with the office


def test_rankings_and_scores_never_show_residents(cli: Cli, root: Path, tmp_path: Path) -> None:
    reps = _rows(root / "2008" / "reps.csv")[1:]
    names = {row[3] for row in reps if len(row) > 3 and len(row[3]) >= 2}
    ids = {row[2] for row in reps if len(row) > 2}
    assert len(names) > 100
    for command in ("rank", "score"):
        for output_format in ("table", "json", "csv"):
            result = cli(command, "--root", root, "--year", "2008", "--format", output_format)
            shown = result.stdout + result.stderr
            assert not [n for n in names if n in shown], (command, output_format)
            assert not [i for i in ids if i in shown], (command, output_format)
    report = tmp_path / "r.xlsx"
    assert cli("rank", "--root", root, "--year", "2008", "-o", report).exit_code == 0
    workbook = load_workbook(report)
    for sheet in workbook.worksheets:
        text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
        leaked = [n for n in names if n in text]
        if sheet.title in ("评分人得分", "Rater totals"):  # for the office, and says so
            assert leaked and sheet.oddHeader.center.text
        else:
            assert leaked == [], sheet.title


@needs_script
@pytest.mark.parametrize("output_format", ["table", "json", "csv"])
def test_a_terminal_in_gbk_does_not_stop_on_an_emoji(root: Path, output_format: str) -> None:
    _rename_communities(root / "2008", ["🎉社区"])
    result = _script(
        "rank",
        "--root",
        root,
        "--year",
        "2008",
        "--format",
        output_format,
        env={"PYTHONIOENCODING": "gbk"},
    )
    assert result.returncode == 0, result.stderr.decode("gbk", errors="replace")
    if output_format == "json":
        # a script gets the name whole: the emoji as its JSON escape, the rest as GBK
        assert "\\ud83c\\udf89社区".encode("gbk") in result.stdout
        names = [c["name"] for c in json.loads(result.stdout.decode("gbk"))]
        assert "🎉社区" in names
    else:  # for people: a '?' where the console has no such character
        assert "?社区".encode("gbk") in result.stdout


@needs_script
def test_json_on_an_english_windows_keeps_chinese_names(root: Path) -> None:
    """Redirected on an English Windows, stdout is cp1252: every name was '?????'."""
    result = _script(
        "rank",
        "--root",
        root,
        "--year",
        "2008",
        "--format",
        "json",
        env={"PYTHONIOENCODING": "cp1252"},
    )
    assert result.returncode == 0, result.stderr.decode("cp1252", errors="replace")
    assert b"?" not in result.stdout
    communities = json.loads(result.stdout.decode("cp1252"))
    assert {"百子湾社区", "平乐园社区"} <= {c["name"] for c in communities}


def test_ctrl_c_stops_with_a_word_and_exit_130(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _main(
        monkeypatch, capsys, KeyboardInterrupt(), "validate", "--root", str(root), "--year", "2008"
    )
    assert code == 130
    assert err.strip().splitlines()[-1] == "Interrupted."
    assert "Traceback" not in err


NOISY_RUN = """
import sys, warnings
import starcommunity.io.year as year

real = year.load_year

def noisy(*args, **kwargs):
    warnings.warn("a note for developers", UserWarning)
    return real(*args, **kwargs)

year.load_year = noisy
from starcommunity.cli import main
root, options = sys.argv[1], sys.argv[2:]
sys.argv = ["starcommunity", *options, "validate", "--root", root, "--year", "2008"]
main()
"""


@pytest.mark.parametrize("debug", [False, True])
def test_library_warnings_reach_a_clerk_only_with_debug(root: Path, debug: bool) -> None:
    options = ["--debug"] if debug else []
    result = subprocess.run(
        [sys.executable, "-c", NOISY_RUN, str(root), *options],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "STARCOMMUNITY_DEBUG"},
    )
    assert result.returncode == 0, result.stderr
    assert ("a note for developers" in result.stderr) is debug


@pytest.mark.parametrize(
    ("args", "english", "chinese"),
    [
        (["validate", "--root", "{missing}", "--year", "2008"], "is not a folder", "不是文件夹"),
        (["rank", "--root", "{root}", "--year", "2099"], "there is no folder", "没有文件夹"),
        (["score", "--root", "{missing}", "--year", "2008"], "is not a folder", "不是文件夹"),
        (["history", "--root", "{empty}"], "there is no year folder", "没有年度文件夹"),
        (["rank", "--root", "{root}", "--year", "2008", "-o", "x.csv"], "name it", "xlsx结尾"),
        (["draw-reps", "--root", "{root}", "--year", "2099", "--seed", "s"], "no folder", "没有"),
    ],
)
def test_the_commonest_usage_errors_speak_the_runs_language(
    tmp_path: Path, args: list[str], english: str, chinese: str
) -> None:
    """A wrong --root or year folder is the commonest mistake; with --lang zh it was
    told in English only. Exit 2 either way, and nothing on stdout."""
    from tests.conftest import SAMPLES, run

    (tmp_path / "empty").mkdir()
    places = {"missing": tmp_path / "nowhere", "root": SAMPLES, "empty": tmp_path / "empty"}
    filled = [a.format(**places) for a in args]
    for lang, expected in (("en", english), ("zh", chinese)):
        result = run(*filled, "--lang", lang)
        assert result.exit_code == 2, result.output
        assert expected in result.stderr and result.stdout == ""
        assert result.stderr.startswith("错误：" if lang == "zh" else "Error: ")


def test_an_output_refused_is_told_in_the_runs_language(tmp_path: Path) -> None:
    """Over an input file (exit 2) or over an earlier report without --force (exit 1):
    under --lang zh the reason was in English only."""
    import shutil

    from tests.conftest import SAMPLES, run

    shutil.copytree(SAMPLES / "2008", tmp_path / "2008")
    criteria = tmp_path / "2008" / "criteria.xlsx"
    before = criteria.read_bytes()
    args = ["rank", "--root", tmp_path, "--year", "2008", "--lang", "zh"]
    over_input = run(*args, "-o", criteria, "--force")
    assert over_input.exit_code == 2 and "是输入文件" in over_input.stderr
    assert criteria.read_bytes() == before
    report = tmp_path / "结果.xlsx"
    assert run(*args, "-o", report).exit_code == 0
    again = run(*args, "-o", report)
    assert again.exit_code == 1 and "已存在；如要替换，请加--force" in again.stderr
    english = run("rank", "--root", tmp_path, "--year", "2008", "--lang", "en", "-o", report)
    assert english.exit_code == 1 and "already exists; pass --force" in english.stderr
