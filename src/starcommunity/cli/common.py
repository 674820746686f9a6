"""What every command shares: options, consoles, output formats, exit codes.

Only the cli package prints or exits. pandas and openpyxl are imported inside the
commands, never here, so `starcommunity --help` stays fast.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import math
import os
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from starcommunity.io.year import Progress, YearData
    from starcommunity.problems import Report

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
# A report with more problems than this prints the first ones and the count.
MAX_PRINTED_PROBLEMS = 200


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Lang(StrEnum):
    en = "en"
    zh = "zh"


RootOption = Annotated[
    Path,
    typer.Option("--root", help="Folder that holds one sub-folder per year.", show_default=True),
]
YearOption = Annotated[str, typer.Option("--year", "-y", help="Year folder to read, e.g. 2008.")]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table (terminal), json or csv.")
]
LangOption = Annotated[
    Lang | None,
    typer.Option("--lang", help="Language of messages and headers; default from $LANG."),
]


def resolve_lang(lang: Lang | None) -> str:
    from starcommunity.messages import default_lang

    return lang.value if lang is not None else default_lang()


def _console(stream: Any) -> Console:
    from rich.console import Console

    terminal = stream.isatty()
    no_colour = bool(os.environ.get("NO_COLOR")) or not terminal
    return Console(
        file=stream,
        # Off a terminal, no escape code at all, whatever FORCE_COLOR or TTY_COMPATIBLE
        # say (CI runners set them): no_color alone still lets bold and italic through.
        force_terminal=None if terminal else False,
        no_color=no_colour,
        highlight=False,
        soft_wrap=not stream.isatty(),
        width=None if stream.isatty() else 200,
    )


def stdout() -> Console:
    return _console(sys.stdout)


def stderr() -> Console:
    return _console(sys.stderr)


def say(message: str) -> None:
    """A message for the user, on stderr."""
    if not sys.stderr.isatty():
        # what the console below writes to a pipe or file (no colour, no wrapping),
        # without importing rich for it: batch runs pay for no terminal
        sys.stderr.write(message + "\n")
        return
    stderr().print(message, markup=False)


def command_line(command: str, root: Path, year: str) -> str:
    """A command to paste, for the folder this run read: no --root for the current
    folder, and a path with spaces (D:\\评估 2008) in double quotes, which Windows'
    cmd, PowerShell and Unix shells all take."""
    where = ""
    if root != Path("."):
        text = str(root)
        if not text or any(char.isspace() or char in "\"'&|;<>()$`^%!" for char in text):
            text = '"' + text.replace('"', '\\"') + '"'
        where = f" --root {text}"
    return f"starcommunity {command}{where} --year {year}"


def fail_usage(message: str, chinese: str | None = None, lang: str = "en") -> NoReturn:
    """Exit 2 with the message, in Chinese when the run asks for it and one is given."""
    say(f"错误：{chinese}" if lang == "zh" and chinese else f"Error: {message}")
    raise typer.Exit(EXIT_USAGE)


def write_json(data: Any) -> None:
    """Strict JSON: a number too large for a float (inf) or NaN is written as null.

    Text is written as is, in the encoding of stdout (GBK when a Chinese Windows
    redirects it to a file); a character that encoding cannot hold (🎉, or any Chinese
    on an English Windows) is written as its JSON escape (\\ud83c\\udf89), which every
    JSON reader turns back into the character: a script never gets '?' for a name.
    """
    try:
        text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(data), ensure_ascii=False, indent=2, allow_nan=False)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    with contextlib.suppress(LookupError):
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            text = text.encode(encoding, errors=_JSON_ESCAPES).decode(encoding)
    sys.stdout.write(text + "\n")


def _json_escapes(error: UnicodeError) -> tuple[str, int]:
    """The characters an encoding cannot hold, as JSON escapes (only ever inside a JSON
    string: everything outside strings is ASCII)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return json.dumps(chunk, ensure_ascii=True)[1:-1], error.end


_JSON_ESCAPES = "starcommunity-json-escapes"
codecs.register_error(_JSON_ESCAPES, _json_escapes)


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(value) for value in data]
    return data


def write_csv(rows: list[dict[str, Any]], columns: list[str]) -> None:
    from starcommunity.io.writing import csv_text

    sys.stdout.write(csv_text(rows, columns))


def load_year_or_exit(
    root: Path,
    year: str,
    *,
    scores: bool = True,
    quiet: bool = False,
    lang: str = "en",
    people_details: bool = True,
) -> tuple[YearData, Report]:
    """Read a year folder; a progress bar on stderr while many megabytes are read.

    The bar shows only on a terminal, and never with `quiet` (or --quiet, see QuietOption).
    Commands that do not draw pass `people_details=False` (see load_year); they all
    validate, so the roster and representatives may then be checked as they are read.
    """
    from starcommunity.io.year import YearFolderMissing, load_year
    from starcommunity.validate import check_people

    if not root.is_dir():
        fail_root(root, lang)
    try:
        with reading_progress(quiet=quiet) as progress:
            return load_year(
                root,
                year,
                scores=scores,
                progress=progress,
                people_details=people_details,
                check_people=None if people_details else check_people,
            )
    except YearFolderMissing:
        fail_usage(
            f"there is no folder {root / year}. Make it and put communities.csv and "
            "criteria.csv in it, or pass --root.",
            f"没有文件夹{root / year}。请建立该文件夹并放入communities.csv和criteria.csv，"
            "或用--root指定所在位置。",
            lang,
        )


def fail_root(root: Path, lang: str = "en") -> NoReturn:
    fail_usage(
        f"--root {root} is not a folder.",
        f"--root {root}不是文件夹，请指定存放各年度文件夹的位置。",
        lang,
    )


QUIET_ENV = "STARCOMMUNITY_QUIET"
# Reading at least this many bytes of input files gets a progress bar.
PROGRESS_MIN_BYTES = 20_000_000

# A command that declares `quiet: QuietOption = False` gets --quiet and passes it on to
# load_year_or_exit (STARCOMMUNITY_QUIET=1 does the same for every command).
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars on stderr.")]


def is_quiet(quiet: bool = False) -> bool:
    return quiet or os.environ.get(QUIET_ENV, "") not in ("", "0")


class _ReadingProgress:
    """load_year's progress callback: a rich bar on stderr, started once it is worth it."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, name: str, done: int, total: int) -> None:
        if self.bar is None:
            if total < PROGRESS_MIN_BYTES:
                return
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=stderr(),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("Reading", total=total)
        self.bar.update(self.task, completed=done, description=f"Reading {name}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextlib.contextmanager
def reading_progress(*, quiet: bool = False) -> Iterator[Progress | None]:
    """A progress callback for load_year, or None off a terminal or when quiet."""
    if is_quiet(quiet) or not sys.stderr.isatty():
        yield None
        return
    progress = _ReadingProgress()
    try:
        yield progress
    finally:
        progress.close()


PROBLEM_COLUMNS = ["severity", "code", "file", "sheet", "row", "column", "value", "message"]


def problem_rows(report: Report, lang: str) -> list[dict[str, Any]]:
    rows = []
    for problem in report.problems:
        row = problem.to_dict(lang)
        row["severity"] = problem.severity
        rows.append(row)
    return rows


def print_problems(report: Report, lang: str, *, to_stdout: bool = False) -> None:
    """A rich table of problems, errors first, capped at MAX_PRINTED_PROBLEMS rows."""
    from rich.table import Table

    from starcommunity.messages import column_zh

    console = stdout() if to_stdout else stderr()
    problems = report.errors + report.warnings
    if not problems:
        return
    zh = lang == "zh"
    table = Table(
        title=("问题清单" if zh else "Problems"),
        show_lines=False,
        title_justify="left",
    )
    for header in (
        ("", "级别", "level"),
        ("", "文件", "file"),
        ("", "工作表", "sheet"),
        ("", "行", "row"),
        ("", "列", "column"),
        ("", "说明", "message"),
        ("", "代码", "code"),
    ):
        table.add_column(header[1] if zh else header[2], overflow="fold")
    for problem in problems[:MAX_PRINTED_PROBLEMS]:
        level = problem.severity
        style = "red" if level == "error" else "yellow"
        table.add_row(
            f"[{style}]{('错误' if level == 'error' else '警告') if zh else level}[/{style}]",
            _escape(problem.file or ""),
            _escape(problem.sheet or ""),
            "" if problem.row is None else str(problem.row),
            _escape(column_zh(problem.column or "") if zh else problem.column or ""),
            _escape(problem.message(lang)),
            problem.code,
        )
    console.print(table)
    hidden = len(problems) - MAX_PRINTED_PROBLEMS
    if hidden > 0:
        console.print(
            f"… {hidden} more not shown (use --format json for all)"
            if not zh
            else f"……另有{hidden}条未显示（使用 --format json 查看全部）",
            markup=False,
        )


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def print_refusal(report: Report, lang: str, output_format: OutputFormat) -> None:
    """The problems that stop a command (exit 1), in the format the run asked for.

    json: validate's object {"valid", "errors", "warnings"} on stdout; csv: validate's
    problem rows on stdout (every problem, not the first MAX_PRINTED_PROBLEMS); table:
    the rich table on stderr, stdout left empty. A script that asked for a machine
    format thus reads every problem from stdout whichever command refused.
    """
    if output_format is OutputFormat.json:
        write_json(report.to_dict(lang))
    elif output_format is OutputFormat.csv:
        write_csv(problem_rows(report, lang), PROBLEM_COLUMNS)
    else:
        print_problems(report, lang)


def summary_line(report: Report, lang: str) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if lang == "zh":
        verdict = "校验通过" if report.valid else "校验未通过"
        return f"{verdict}：{errors}个错误，{warnings}个警告。"
    verdict = "valid" if report.valid else "NOT valid"
    return f"{verdict}: {errors} error(s), {warnings} warning(s)."
