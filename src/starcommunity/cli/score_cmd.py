"""`starcommunity score`, `rank` and `history`.

Thin: parse options, call the core (scoring.py, stars.py), render (report/tables.py,
report/excel.py), choose the exit code. pandas is imported inside the command bodies
so that `starcommunity --help` stays fast.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from starcommunity.cli import app
from starcommunity.cli.common import (
    EXIT_DATA,
    EXIT_OK,
    FormatOption,
    LangOption,
    OutputFormat,
    QuietOption,
    RootOption,
    YearOption,
    command_line,
    fail_root,
    fail_usage,
    load_year_or_exit,
    print_problems,
    print_refusal,
    resolve_lang,
    say,
    stdout,
    summary_line,
    write_csv,
    write_json,
)
from starcommunity.model import GROUPS

if TYPE_CHECKING:
    from starcommunity.evaluation import Evaluation
    from starcommunity.io.year import YearData
    from starcommunity.problems import Report

OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Also write the full report (ranking, chart, group scores, rater totals, "
        "flags, audit) to this .xlsx file.",
        dir_okay=False,
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace the --output file if it already exists.")
]

# CSV columns of `rank`: stable whatever the scheme, so a script can rely on them.
RANK_CSV_KEYS = [
    "rank",
    "community_id",
    "name",
    "area",
    *GROUPS,
    "total",
    "stars",
    "disqualified",
    "reward",
    "previous_stars",
    "change",
    "total_exact",
]
# Group scores and the unrounded total: written with six decimals (see _csv_cell).
UNROUNDED_CSV_KEYS = frozenset({*GROUPS, "total_exact"})
SCORE_CSV_KEYS = [
    "community_id",
    "name",
    "area",
    "committee",
    "committee_raters",
    "office",
    "office_raters",
    "residents",
    "residents_raters",
    "total",
    "complete",
    "missing",
    "short",
    "disqualified",
]


def _zh(lang: str, chinese: str, english: str) -> str:
    return chinese if lang == "zh" else english


def _fail_with_report(report: Report, lang: str, output_format: OutputFormat) -> None:
    """The data is wrong: the report on stdout for json and csv (a machine asked), else
    stderr."""
    print_refusal(report, lang, output_format)
    say(summary_line(report, lang))
    raise typer.Exit(EXIT_DATA)


def _csv_cell(key: str, value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if key == "total" and isinstance(value, float):
        return f"{value:.2f}"  # the published total, as published: 86.50, not 86.5
    if key in UNROUNDED_CSV_KEYS and isinstance(value, float) and math.isfinite(value):
        # Six decimals, as the Excel report shows them: Python's shortest repr would
        # print float noise (92.44999999999999 for a total of exactly 92.45, which is
        # published as 92.45 and looks as if half-up had been done wrong) and 16 digits.
        return f"{value:.6f}"
    if key == "reward" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _write_csv_records(records: list[dict[str, Any]], keys: list[str], lang: str) -> None:
    from starcommunity.report.tables import label

    headers = [label(key, lang) for key in keys]
    rows = [
        {header: _csv_cell(key, record.get(key)) for key, header in zip(keys, headers, strict=True)}
        for record in records
    ]
    write_csv(rows, headers)


def _warnings_note(report: Report, root: Path, year: str, lang: str) -> None:
    """Validation warnings (rater quality, repaired cells) are counted, not repeated."""
    count = len(report.warnings)
    if count:
        command = command_line("validate", root, year)
        say(
            _zh(
                lang,
                f"校验警告{count}条（含评分质量提示），运行 {command} 查看。",
                f"{count} validation warning(s) (rater quality, repaired cells): run "
                f"`{command}` to see them.",
            )
        )


@app.command()
def score(
    year: YearOption,
    root: RootOption = Path("."),
    output_format: FormatOption = OutputFormat.table,
    lang: LangOption = None,
    quiet: QuietOption = False,
) -> None:
    """Show each community's group scores and weighted total, also for a year in progress.

    A group's score is the mean of its raters' totals (after the scheme's trim); the
    total is committee x 15% + office x 15% + residents x 70% (the scheme's weights),
    rounded half-up to 2 decimals. Communities whose sheets have not all arrived are
    marked incomplete (missing groups, groups short of raters) and get no total yet:
    exit 0. Errors in the data read (bad cells, unknown raters ...) exit 1 with the
    problems listed.

    Example:

        starcommunity score --root samples --year 2008
    """
    from starcommunity.scoring import blocking_errors, evaluate, score_records
    from starcommunity.validate import validate_while

    language = resolve_lang(lang)
    data, report = load_year_or_exit(root, year, quiet=quiet, lang=language, people_details=False)
    evaluation = validate_while(data, report, lambda: evaluate(data))
    if blocking_errors(report, data.scheme).problems:
        _fail_with_report(report, language, output_format)
    if evaluation is None:
        evaluation = evaluate(data)
    records = score_records(evaluation)
    if output_format is OutputFormat.json:
        write_json(records)
    elif output_format is OutputFormat.csv:
        flat = [
            {
                **record,
                **{f"{g}_raters": record["groups"][g]["raters"] for g in record["groups"]},
            }
            for record in records
        ]
        _write_csv_records(flat, SCORE_CSV_KEYS, language)
    else:
        from starcommunity.report.tables import score_table

        stdout().print(score_table(evaluation, language))
    incomplete = [str(r["community_id"]) for r in records if not r["complete"]]
    if incomplete:
        # Short groups are still-arriving sheets here; show them so nobody waits blind.
        print_problems(report, language)
        count = len(incomplete)
        say(
            _zh(
                language,
                f"{count}个社区评分未齐：{'、'.join(incomplete)}。",
                f"{count} communit{'y is' if count == 1 else 'ies are'} incomplete: "
                f"{', '.join(incomplete)}.",
            )
        )
    else:
        _warnings_note(report, root, year, language)
    raise typer.Exit(EXIT_OK)


def _missing_groups_report(report: Report, evaluation: Evaluation) -> Report:
    """rank's refusal: validate's group-missing warnings become errors, one per gap."""
    import dataclasses

    from starcommunity.problems import Report

    result = Report()
    covered: set[tuple[str, str]] = set()
    for problem in report.problems:
        if problem.code == "group-missing":
            params = dict(problem.params)
            covered.add((str(params.get("community")), str(params.get("group"))))
            problem = dataclasses.replace(problem, severity="error")
        result.problems.append(problem)
    # A weighted group the scheme expects no raters for is not warned about by
    # validate; it still blocks the ranking, so it is named too.
    for row in evaluation.communities.to_dict("records"):
        for group in row["missing"]:
            if (str(row["community_id"]), group) not in covered:
                result.add(
                    "group-missing",
                    file="sheets/",
                    value=0,
                    community=row["community_id"],
                    group=group,
                )
    return result


def _previous(data: YearData, lang: str) -> Evaluation | None:
    """The year before, when ROOT holds it and it validates and ranks (七、4)."""
    from starcommunity.scoring import SKIP_MISSING, previous_year, try_evaluate

    before = previous_year(data.year)
    if before is None:
        return None
    evaluation, reason = try_evaluate(data.root, before)
    if evaluation is None and reason != SKIP_MISSING:
        why = {
            "invalid": _zh(lang, "校验未通过", "does not validate"),
            "incomplete": _zh(lang, "评分未齐", "is incomplete"),
        }.get(reason, reason)
        say(
            _zh(
                lang,
                f"上一年度（{before}）{why}，不显示星级变化。",
                f"The year before ({before}) {why}: no star change is shown.",
            )
        )
    return evaluation


def _disqualified_note(evaluation: Evaluation, lang: str) -> None:
    from starcommunity.model import FLAGS

    flags = evaluation.flags
    communities = evaluation.communities
    # a few disqualified among up to 100,000 communities: pick them before making dicts
    disqualified = communities[communities["disqualified"].map(bool, na_action="ignore").eq(True)]
    for row in disqualified[["community_id", "name"]].to_dict("records"):
        own = flags[flags["community_id"].eq(row["community_id"])]
        reasons = []
        for flag in own.to_dict("records"):
            date = f" {flag['date']}" if flag.get("date") else ""
            reasons.append(
                f"{FLAGS.get(flag['flag_code'], flag['flag_code'])} ({flag['flag_code']}{date})"
            )
        say(
            _zh(
                lang,
                f"取消资格（不排名、不评星、不计入名额）：{row['community_id']} {row['name']}："
                + "；".join(reasons),
                f"Disqualified (not ranked, no star, not counted in the split): "
                f"{row['community_id']} {row['name']}: " + "; ".join(reasons),
            )
        )


@app.command()
def rank(
    year: YearOption,
    root: RootOption = Path("."),
    output: OutputOption = None,
    force: ForceOption = False,
    output_format: FormatOption = OutputFormat.table,
    lang: LangOption = None,
    quiet: QuietOption = False,
) -> None:
    """Rank every community of the district and assign three, four or five stars.

    Validates first: any error, or a community still missing a rater group, exits 1
    with the problems listed (with --format json or csv on stdout, as validate prints
    them). Disqualified communities (flags file) get no rank and no star and are not counted
    in the star split. All communities of all areas are ranked together on totals
    rounded half-up to 2 decimals (equal totals share a rank: 1, 2, 2, 4); stars
    follow the scheme's policy (thirds, shares or thresholds). When ROOT holds the
    year before and it can be ranked, the star change is shown.

    Example:

        starcommunity rank --root samples --year 2008 --output results-2008.xlsx
    """
    from starcommunity.io.writing import OutputRefused, check_output_path
    from starcommunity.io.year import inputs_of_every_year
    from starcommunity.scoring import compare, evaluate
    from starcommunity.validate import validate_while

    language = resolve_lang(lang)
    write_report = None
    if output is not None:
        if output.suffix.lower() != ".xlsx":
            fail_usage(
                f"--output {output}: the report is an Excel file; name it ….xlsx.",
                f"--output {output}：报告是Excel文件，请以.xlsx结尾命名。",
                language,
            )
        try:
            from starcommunity.report.excel import write_report
        except ImportError:
            say(
                _zh(language, "此版本无法写出Excel报告。", "This build cannot write Excel reports.")
            )
            raise typer.Exit(EXIT_DATA) from None
    data, report = load_year_or_exit(root, year, quiet=quiet, lang=language, people_details=False)
    if output is not None:
        # not over any year's inputs, nor into any year's sheets/ (it would be read
        # as a score sheet next time)
        other_inputs, sheet_folders = inputs_of_every_year(data.root)
        try:
            check_output_path(
                output,
                [*data.input_files, *other_inputs],
                force=force,
                input_folders=sheet_folders,
            )
        except OutputRefused as exc:
            if not exc.exists:
                fail_usage(str(exc), exc.chinese, language)
            say(exc.text(language))
            raise typer.Exit(EXIT_DATA) from None
    evaluation = validate_while(data, report, lambda: evaluate(data))
    if not report.valid:
        _fail_with_report(report, language, output_format)
    if evaluation is None:
        evaluation = evaluate(data)
    if not bool(evaluation.communities["complete"].all()):
        refusal = _missing_groups_report(report, evaluation)
        names = ", ".join(
            f"{row['community_id']} ({', '.join(row['missing'])})"
            for row in evaluation.communities.to_dict("records")
            if not row["complete"]
        )
        say(
            _zh(
                language,
                f"以下社区评分未齐，暂不能排名：{names}",
                f"Cannot rank while a community lacks a rater group: {names}",
            )
        )
        _fail_with_report(refusal, language, output_format)
    previous = _previous(data, language)
    if previous is not None:
        evaluation = compare(evaluation, previous)

    records = evaluation.to_records()
    if output_format is OutputFormat.json:
        write_json(records)
    elif output_format is OutputFormat.csv:
        _write_csv_records(records, RANK_CSV_KEYS, language)
    else:
        from starcommunity.report.tables import rank_table

        stdout().print(rank_table(evaluation, language))
    if output_format is not OutputFormat.table:
        _disqualified_note(evaluation, language)  # the table shows them in its caption
    _warnings_note(report, root, year, language)
    if output is not None and write_report is not None:
        try:
            write_report(output, evaluation, language)
        except OSError as exc:
            say(_zh(language, f"无法写入{output}：{exc}", f"Cannot write {output}: {exc}"))
            raise typer.Exit(EXIT_DATA) from None
        say(_zh(language, f"已写入{output}", f"Wrote {output}"))
    raise typer.Exit(EXIT_OK)


# why history left a year out (scoring.try_evaluate's reason) -> the problem code
_HISTORY_SKIP_CODES = {
    "invalid": "year-not-valid",
    "incomplete": "year-incomplete",
    "missing": "year-not-read",
}


def _history_refusal(root: Path, near: list[str], skipped: list[tuple[str, str]]) -> Report:
    """Why history has nothing to show: one error per year folder that could not be
    ranked, and a warning per folder that looks like a year but was not read."""
    from starcommunity.problems import Report

    report = Report()
    for year, reason in skipped:
        report.add(
            _HISTORY_SKIP_CODES.get(reason, "year-not-read"),
            value=year,
            command=command_line("validate", root, year),
        )
    for name in near:
        report.warn("folder-not-a-year", value=name)
    return report


@app.command()
def history(
    root: RootOption = Path("."),
    output_format: FormatOption = OutputFormat.table,
    lang: LangOption = None,
    quiet: QuietOption = False,
) -> None:
    """Stars of every community in every year under ROOT that can be ranked (七、4).

    Each sub-folder of ROOT named like a year is validated and ranked as `rank` would;
    a year that does not validate or is incomplete is skipped, and said so on stderr.
    Exit 1 when no year can be ranked; with --format json or csv, why each year was
    left out is printed on stdout as validate prints problems.

    Example:

        starcommunity history --root samples --format csv
    """
    from starcommunity.scoring import history as ranked_years
    from starcommunity.scoring import (
        history_frame,
        history_records,
        year_folders,
        year_like_folders,
    )

    language = resolve_lang(lang)
    if not root.is_dir():
        fail_root(root, language)
    near = year_like_folders(root)
    if near:
        listed = ", ".join(near)
        say(
            _zh(
                language,
                f"未读取：{'、'.join(near)}（只读取以年份本身命名的文件夹，如2010；"
                "如是某一年的数据，请将文件夹改名为该年份）。",
                f"Not read: {listed} (only folders named by the year alone, such as 2010, "
                "are read; if one holds a year's data, rename it to the year).",
            )
        )
    if not year_folders(root):
        fail_usage(
            f"there is no year folder (2008, 2009 …) under {root}; pass --root.",
            f"{root}下没有年度文件夹（2008、2009……），请用--root指定。",
            language,
        )
    evaluations, skipped = ranked_years(root)
    for year, reason in skipped:
        why = {
            "invalid": _zh(language, "校验未通过", "does not validate"),
            "incomplete": _zh(language, "评分未齐", "is incomplete"),
        }.get(reason, reason)
        say(
            _zh(
                language,
                f"{year}年{why}，未列入（运行 {command_line('validate', root, year)} 查看）。",
                f"{year} {why}; left out (run `{command_line('validate', root, year)}`).",
            )
        )
    if not evaluations:
        if output_format is not OutputFormat.table:
            # a script that asked for json or csv reads why from stdout, as from any
            # other refusal; the table run has said it on stderr above
            print_refusal(_history_refusal(root, near, skipped), language, output_format)
        say(_zh(language, "没有可以排名的年度。", "No year under ROOT can be ranked."))
        raise typer.Exit(EXIT_DATA)
    frame = history_frame(evaluations)
    years = [e.year for e in evaluations]
    if output_format is OutputFormat.json:
        write_json(history_records(frame))
    elif output_format is OutputFormat.csv:
        from starcommunity.report.tables import label

        columns = ["community_id", "name", "area"]
        headers = [label(c, language) for c in columns] + years
        rows = []
        for record in history_records(frame):
            row = {label(c, language): record[c] for c in columns}
            for year, entry in record["years"].items():  # type: ignore[attr-defined]
                # a disqualified year says so; a ranked year without a star stays blank
                row[year] = (
                    _zh(language, "取消资格", "disqualified")
                    if entry["disqualified"]
                    else entry["stars"]
                )
            rows.append(row)
        write_csv(rows, headers)
    else:
        from starcommunity.report.tables import history_table

        stdout().print(history_table(frame, years, language))
    raise typer.Exit(EXIT_OK)
