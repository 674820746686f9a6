"""`starcommunity validate`."""

from __future__ import annotations

from pathlib import Path

import typer

from starcommunity.cli import app
from starcommunity.cli.common import (
    EXIT_DATA,
    EXIT_OK,
    PROBLEM_COLUMNS,
    FormatOption,
    LangOption,
    OutputFormat,
    QuietOption,
    RootOption,
    YearOption,
    load_year_or_exit,
    print_problems,
    problem_rows,
    resolve_lang,
    say,
    summary_line,
    write_csv,
    write_json,
)


@app.command()
def validate(
    year: YearOption,
    root: RootOption = Path("."),
    output_format: FormatOption = OutputFormat.table,
    lang: LangOption = None,
    quiet: QuietOption = False,
) -> None:
    """Check every file of a year folder and list every problem found.

    Reads communities, criteria, roster, reps, flags, scheme.toml and every sheet
    under sheets/, in any mix of CSV (UTF-8, BOM, GBK) and .xlsx. Exit code 0 when
    the year is valid (warnings allowed), 1 when any error was found.

    Example:

        starcommunity validate --root samples --year 2008 --format json
    """
    from starcommunity.validate import validate_while

    language = resolve_lang(lang)
    data, report = load_year_or_exit(root, year, quiet=quiet, lang=language, people_details=False)
    validate_while(data, report, lambda: None)  # its two halves on two cores
    if output_format is OutputFormat.json:
        write_json(report.to_dict(language))
    elif output_format is OutputFormat.csv:
        write_csv(problem_rows(report, language), PROBLEM_COLUMNS)
    else:
        print_problems(report, language, to_stdout=True)
        say(summary_line(report, language))
    raise typer.Exit(EXIT_OK if report.valid else EXIT_DATA)
