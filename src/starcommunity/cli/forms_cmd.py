"""`starcommunity forms`: the Excel score forms to hand out, one per community."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from starcommunity.cli import app
from starcommunity.cli.common import (
    EXIT_DATA,
    EXIT_OK,
    EXIT_USAGE,
    FormatOption,
    LangOption,
    OutputFormat,
    RootOption,
    YearOption,
    command_line,
    fail_usage,
    resolve_lang,
    say,
    stdout,
    write_csv,
    write_json,
)
from starcommunity.cli.draw_cmd import REPS_FILE, community_names, load_for, reps_with_roster, tr

if TYPE_CHECKING:
    from starcommunity.io.year import YearData
    from starcommunity.report.forms import Rater

FORMS_FOLDER = "forms"
SUMMARY_COLUMNS = ["file", "community_id", "residents", "alternates", "office", "committee"]


def office_raters(data: YearData) -> list[Rater]:
    """The office raters: those named in scheme.toml, then O01..On with blank names.

    The same office group scores every community, so the IDs are the same on every
    community's form.
    """
    from starcommunity.report.forms import Rater

    wanted = data.scheme.raters.get("office", 10)
    named = [Rater(entry["id"], entry["name"]) for entry in data.scheme.office_raters]
    # Pad to the expected count, or the filled-in form fails wrong-rater-count.
    used = {rater.rater_id for rater in named}
    number = 0
    while len(named) < wanted:
        number += 1
        if f"O{number:02d}" not in used:
            named.append(Rater(f"O{number:02d}"))
    return named


def committee_raters(data: YearData) -> list[Rater]:
    """C01..Cn for the committee's minimum n (at least one row)."""
    from starcommunity.report.forms import Rater

    wanted = max(1, data.scheme.raters.get("committee", 1))
    return [Rater(f"C{number:02d}") for number in range(1, wanted + 1)]


def _order(value: object) -> int:
    """An order from reps.csv (nullable integer) for the alternates list; 0 when unreadable."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


@app.command()
def forms(
    year: YearOption,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for the forms. Default: forms/ in the year folder (not sheets/: "
            "blank forms there would be read as score sheets).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing form files.")] = False,
    root: RootOption = Path("."),
    output_format: FormatOption = OutputFormat.table,
    lang: LangOption = None,
) -> None:
    """Write the Excel score forms to hand out: one workbook per community.

    Each workbook (e.g. NMF01_欢乐谷社区.xlsx) has a sheet per rater group — 居民代表
    pre-filled with the drawn representatives, 办事处 with the office raters
    (office_raters under raters in scheme.toml, else O01..O10), 区农委 with C01.. — and one
    column per criteria item headed like "A1 居委会依法选举（5分）", where Excel only
    accepts a number from 0 to the item's maximum. A sheet 说明 lists the alternates
    and how one stands in for an absent representative. Filled in, the forms go into
    the year's sheets/ folder and are read by validate and rank as they are.

    Example:

        starcommunity forms --root samples --year 2008 --output forms2008
    """
    from starcommunity.io.writing import OutputRefused, check_output_path, safe_file_stem
    from starcommunity.io.year import inputs_of_every_year
    from starcommunity.report.forms import FormItem, Rater, build_form, write_form

    language = resolve_lang(lang)
    data = load_for(root, year, language, ("communities", "criteria", "reps"), output_format)
    if data.reps is None:
        say(
            tr(
                language,
                f"There is no {REPS_FILE} in {data.folder}: draw the representatives first "
                "(starcommunity draw-reps); the residents' form lists them.",
                f"{data.folder}中没有{REPS_FILE}，请先抽取居民代表（starcommunity draw-reps），"
                "居民代表评分表要列出他们。",
            )
        )
        raise typer.Exit(EXIT_DATA)
    folder = Path(output) if output is not None else data.folder / FORMS_FOLDER
    other_inputs, sheet_folders = inputs_of_every_year(data.root)
    target = folder.resolve()
    # this year's sheets/ or another year's: blank forms there are read as score sheets
    if any(
        target == sheets or sheets in target.parents
        for sheets in {(data.folder / "sheets").resolve(), *(f.resolve() for f in sheet_folders)}
    ):
        fail_usage(
            tr(
                language,
                f"{folder} is inside the score sheets folder: blank forms there would be read "
                "as score sheets. Write them elsewhere and copy them into sheets/ once filled.",
                f"{folder}位于评分表文件夹sheets/中，空白表格会被当作评分表读取。"
                "请写到其他位置，填好后再复制到sheets/。",
            )
        )

    criteria = data.criteria.drop_duplicates("item_id")
    items = [
        FormItem(str(row.item_id), str(row.name), float(row.max_points))
        for row in criteria.itertuples(index=False)
    ]
    reps = reps_with_roster(data)
    office = office_raters(data)
    committee = committee_raters(data)
    names = community_names(data)

    taken: set[str] = set()
    plans: list[tuple[str, Path]] = []
    for community_id, name in names.items():
        stem = safe_file_stem(f"{community_id}_{name}" if name else community_id, taken)
        plans.append((community_id, folder / f"{stem}.xlsx"))
    inputs = [*data.input_files, *other_inputs]
    refused: list[OutputRefused] = []
    for _community_id, path in plans:  # check every file before writing any
        try:
            check_output_path(path, inputs, force=force, input_folders=sheet_folders)
        except OutputRefused as error:
            refused.append(error)
    if refused:
        for error in refused:
            say(error.text(language))
        raise typer.Exit(EXIT_DATA if all(e.exists for e in refused) else EXIT_USAGE)

    rows: list[dict[str, Any]] = []
    expected = data.scheme.raters.get("residents", 30)
    # community -> drawn count, where it is not the scheme's: the filled-in form would
    # then fail validation (wrong-rater-count) after the raters have done their work
    off_count: dict[str, int] = {}
    for community_id, path in plans:
        mine = reps[reps["community_id"] == community_id]
        residents = [
            Rater(str(r.resident_id), str(r.name))
            for r in mine[mine["role"] == "rep"].itertuples(index=False)
        ]
        alternates = [
            (_order(r.order), Rater(str(r.resident_id), str(r.name)))
            for r in mine[mine["role"] == "alternate"].itertuples(index=False)
        ]
        if not residents:
            say(
                tr(
                    language,
                    f"Warning: {community_id} has no drawn representatives; its residents "
                    "sheet is empty.",
                    f"警告：{community_id}没有抽取的居民代表，其居民代表评分表为空。",
                )
            )
        elif len(residents) != expected:
            off_count[community_id] = len(residents)
        workbook = build_form(
            str(year),
            community_id,
            names.get(community_id, ""),
            items,
            residents,
            alternates,
            office,
            committee,
        )
        write_form(path, workbook)
        rows.append(
            {
                "file": str(path),
                "community_id": community_id,
                "residents": len(residents),
                "alternates": len(alternates),
                "office": len(office),
                "committee": len(committee),
            }
        )

    for drawn in sorted(set(off_count.values())):
        ids = [c for c, n in off_count.items() if n == drawn]
        say(
            tr(
                language,
                f"Warning: {', '.join(ids)}: {drawn} representatives drawn, but the scheme "
                f"asks for {expected} resident raters per community; filled in, these forms "
                f"will fail validation (wrong-rater-count). Redraw with --count {expected} "
                "(starcommunity draw-reps ... --force), or correct [raters] residents in "
                "scheme.toml, before handing them out.",
                f"警告：{'、'.join(ids)}抽取了{drawn}名居民代表，但评估方案要求每个社区"
                f"{expected}名居民代表评分；这些表格填好后将无法通过校验（wrong-rater-count）。"
                f"请在发放前用--count {expected}重新抽取（starcommunity draw-reps … --force），"
                "或更正scheme.toml中[raters]的residents。",
            )
        )
    if output_format is OutputFormat.json:
        write_json({"folder": str(folder), "forms": rows})
    elif output_format is OutputFormat.csv:
        write_csv(rows, SUMMARY_COLUMNS)
    else:
        from rich.markup import escape
        from rich.table import Table

        zh = language == "zh"
        table = Table(title="评分表" if zh else "Score forms", title_justify="left")
        headers = (
            ["文件", "社区编号", "居民代表", "候补", "办事处", "区农委"] if zh else SUMMARY_COLUMNS
        )
        for header in headers:
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*(escape(str(row[c])) for c in SUMMARY_COLUMNS))
        stdout().print(table)
    say(
        tr(
            language,
            f"Wrote {len(rows)} form(s) in {folder}. Once filled in, put them into "
            f"{data.folder / 'sheets'} and run: {command_line('validate', root, year)}",
            f"已在{folder}写出{len(rows)}份评分表。填好后放入{data.folder / 'sheets'}，"
            f"再运行：{command_line('validate', root, year)}",
        )
    )
    raise typer.Exit(EXIT_OK)
