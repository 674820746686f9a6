"""`starcommunity draw-reps`, `verify-draw` and `notice`: the representative draw (七、1).

The draw itself is :mod:`starcommunity.draw`. This module reads the year, guards the
files and prints: a draw is never silently redone, an earlier draw is archived in
draws/ (never deleted), and anything shown on a terminal or posted masks names.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from enum import StrEnum
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
    RootOption,
    YearOption,
    command_line,
    fail_usage,
    load_year_or_exit,
    print_refusal,
    resolve_lang,
    say,
    stdout,
    write_csv,
    write_json,
)

if TYPE_CHECKING:
    import pandas as pd

    from starcommunity.io.year import YearData

REPS_FILE = "reps.csv"
RECORD_FILE = "reps.draw.json"
ANNOUNCE_FILE = "announce.csv"
ARCHIVE_FOLDER = "draws"
UTF8_BOM = b"\xef\xbb\xbf"
REPS_FILE_COLUMNS = ["community_id", "order", "resident_id", "name", "role"]
ANNOUNCE_COLUMNS = ["community_id", "name", "pool_size", "fingerprint"]
SUMMARY_COLUMNS = ["community_id", "pool_size", "fingerprint", "reps", "alternates", "short"]
STATUS_COLUMNS = ["community_id", "status", "detail"]
NOTICE_COLUMNS = ["sheet", "community_id", "compound", "reps", "alternates"]


class Method(StrEnum):
    sha256 = "sha256"
    rfc3797 = "rfc3797"


class Stratify(StrEnum):
    compound = "compound"


def tr(lang: str, en: str, zh: str) -> str:
    """The message in the user's language."""
    return zh if lang == "zh" else en


# --------------------------------------------------------------------------- shared


def load_for(
    root: Path,
    year: str,
    lang: str,
    kinds: tuple[str, ...],
    output_format: OutputFormat = OutputFormat.table,
) -> YearData:
    """Load a year (no score sheets) and stop on errors in the files a command needs.

    Only the named kinds of file block: a broken flags.csv must not stop a draw, but a
    roster with an unreadable eligibility value must, since it changes the pool. The
    errors are printed as score and rank print theirs (print_refusal): with --format
    json or csv on stdout, as validate would print them.
    """
    from starcommunity.problems import Report
    from starcommunity.validate import validate_year

    data, report = load_year_or_exit(root, year, scores=False, lang=lang)
    validate_year(data, report)
    files = {path.name for kind in kinds if (path := data.paths.get(kind)) is not None}
    relevant = Report(
        [p for p in report.problems if p.file in files or dict(p.params).get("kind") in kinds]
    )
    shown = ", ".join(sorted(files)) or ", ".join(kinds)
    if relevant.errors:
        # name the files that hold the errors, not every file the command read
        faulty = ", ".join(sorted({p.file for p in relevant.errors if p.file})) or shown
        print_refusal(relevant, lang, output_format)
        say(
            tr(
                lang,
                f"{len(relevant.errors)} error(s) in {faulty}: fix them and run again "
                f"(`{command_line('validate', root, year)}` lists every problem of the year).",
                f"{faulty}中有{len(relevant.errors)}个错误，请改正后重新运行"
                f"（`{command_line('validate', root, year)}` 列出本年度全部问题）。",
            )
        )
        raise typer.Exit(EXIT_DATA)
    if relevant.warnings:
        say(
            tr(
                lang,
                f"{len(relevant.warnings)} warning(s) in {shown}; "
                f"`{command_line('validate', root, year)}` lists them.",
                f"{shown}中有{len(relevant.warnings)}个警告，"
                f"运行 `{command_line('validate', root, year)}` 查看。",
            )
        )
    return data


def require_roster(data: YearData, lang: str) -> pd.DataFrame:
    if data.roster is None:
        say(
            tr(
                lang,
                f"There is no roster in {data.folder} (roster.csv or roster.xlsx, "
                "columns community_id, resident_id, name, household, compound, eligible). "
                "The draw needs it: add it and run again.",
                f"{data.folder}中没有居民名册（roster.csv 或 居民名册.xlsx，列：社区编号、"
                "居民编号、姓名、户号、小区、是否有资格），抽取需要名册，请补充后重新运行。",
            )
        )
        raise typer.Exit(EXIT_DATA)
    return data.roster


def community_names(data: YearData) -> dict[str, str]:
    frame = data.communities
    if len(frame) == 0:
        return {}
    pairs = frame.drop_duplicates("community_id")[["community_id", "name"]]
    return {str(c): str(n) for c, n in pairs.itertuples(index=False) if str(c)}


def reps_with_roster(data: YearData) -> pd.DataFrame:
    """reps.csv joined with the roster: names and compounds as the roster has them.

    The roster is the source: reps.csv stores a name that looks like a formula with a
    leading apostrophe (CSV injection guard), and has no compound column.
    Columns community_id, order (int or None), resident_id, name, role, compound;
    sorted by community and order.
    """
    import pandas as pd

    assert data.reps is not None
    reps = data.reps[REPS_FILE_COLUMNS].copy()
    for column in ("community_id", "resident_id", "name", "role"):
        reps[column] = reps[column].fillna("").astype(str)
    reps["compound"] = ""
    if data.roster is not None:
        roster = data.roster.drop_duplicates(["community_id", "resident_id"])
        roster = roster[["community_id", "resident_id", "name", "compound"]].rename(
            columns={"name": "roster_name", "compound": "roster_compound"}
        )
        reps = reps.merge(roster, how="left", on=["community_id", "resident_id"])
        roster_name = reps["roster_name"].fillna("").astype(str)
        reps["name"] = roster_name.where(roster_name.ne(""), reps["name"])
        reps["compound"] = reps["roster_compound"].fillna("").astype(str)
        reps = reps.drop(columns=["roster_name", "roster_compound"])
    reps["order"] = pd.to_numeric(reps["order"], errors="coerce").astype("Int64")
    return reps.sort_values(["community_id", "order"], kind="stable").reset_index(drop=True)


def reps_files(folder: Path) -> list[Path]:
    """Every file the reader would take for reps (reps.csv, reps.xlsx, 代表名单.csv ...).

    All of them, not just the first, so --force archives them all and the folder is
    not left with two reps files (an ambiguous-file error).
    """
    from starcommunity.io.year import files_of_kind

    return files_of_kind(folder, "reps")


def read_record(folder: Path, lang: str) -> tuple[dict[str, Any] | None, str | None]:
    """reps.draw.json as a dict, or None and what is wrong with it."""
    path = folder / RECORD_FILE
    if not path.is_file():
        return None, tr(
            lang,
            f"{RECORD_FILE} is missing in {folder}: it is written by draw-reps beside "
            f"{REPS_FILE} and holds the seed and options. Put it back (an earlier one may "
            f"be in {ARCHIVE_FOLDER}/); without it the draw cannot be checked.",
            f"{folder}中缺少{RECORD_FILE}：它由draw-reps与{REPS_FILE}一同写出，记录随机种子"
            f"和抽取参数。请放回该文件（早先的记录可能在{ARCHIVE_FOLDER}/中），否则无法复核。",
        )
    try:
        record = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, tr(
            lang,
            f"{RECORD_FILE} cannot be read ({error}). It must not be edited: restore the "
            f"copy written by draw-reps (an earlier one may be in {ARCHIVE_FOLDER}/).",
            f"{RECORD_FILE}无法读取（{error}）。该文件不得手工修改，请恢复draw-reps写出的原件"
            f"（早先的记录可能在{ARCHIVE_FOLDER}/中）。",
        )
    if not isinstance(record, dict):
        return None, tr(
            lang,
            f"{RECORD_FILE} is not a draw record (a JSON object). Restore the copy written "
            "by draw-reps.",
            f"{RECORD_FILE}不是抽取记录（应为JSON对象），请恢复draw-reps写出的原件。",
        )
    return record, None


def archive(folder: Path, paths: list[Path]) -> list[Path]:
    """Copy files into draws/ with one timestamp suffix: reps.csv -> reps.20081125-103000.csv.

    Copies, not moves: the caller replaces the originals atomically afterwards, so the
    year folder never lacks a reps.csv, even if the run is interrupted.
    """
    from starcommunity.io.writing import atomic_write_bytes

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target_folder = folder / ARCHIVE_FOLDER
    suffix = stamp
    number = 2
    while any(_archived_name(target_folder, p.name, suffix).exists() for p in paths):
        suffix = f"{stamp}-{number}"
        number += 1
    copies = []
    for path in paths:
        target = _archived_name(target_folder, path.name, suffix)
        atomic_write_bytes(target, path.read_bytes())
        copies.append(target)
    return copies


def _archived_name(folder: Path, name: str, suffix: str) -> Path:
    stem, dot, rest = name.partition(".")
    return folder / (f"{stem}.{suffix}.{rest}" if dot else f"{name}.{suffix}")


def _print_table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(str(cell)) for cell in row))
    stdout().print(table)


def _frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe records (numpy integers become ints)."""
    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", force_ascii=False))
    return records


# --------------------------------------------------------------------------- draw-reps


@app.command("draw-reps")
def draw_reps(
    year: YearOption,
    seed: Annotated[
        str | None,
        typer.Option(
            "--seed",
            help="The public random value, fixed before the draw (a lottery result). "
            'rfc3797: the sources as integers, sources separated by "/".',
        ),
    ] = None,
    method: Annotated[
        Method, typer.Option("--method", help="sha256 (default) or rfc3797 (IETF RFC 3797).")
    ] = Method.sha256,
    count: Annotated[
        int | None,
        typer.Option(
            "--count",
            min=0,
            help="Representatives per community. Default: raters.residents in scheme.toml (30).",
        ),
    ] = None,
    alternates: Annotated[
        int, typer.Option("--alternates", min=0, help="Alternates per community, in order.")
    ] = 0,
    one_per_household: Annotated[
        bool,
        typer.Option("--one-per-household", help="At most one representative per household."),
    ] = False,
    stratify: Annotated[
        Stratify | None,
        typer.Option(
            "--stratify", help="compound: seats split over 小区 in proportion to their pool."
        ),
    ] = None,
    announce_only: Annotated[
        bool,
        typer.Option(
            "--announce",
            help="Only announce (公示) each community's pool size and fingerprint, to "
            "publish before the seed is known; writes announce.csv. No --seed.",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Redraw over an existing reps.csv (the earlier draw is kept in draws/), "
            "or replace a different announce.csv.",
        ),
    ] = False,
    root: RootOption = Path("."),
    output_format: FormatOption = OutputFormat.table,
    lang: LangOption = None,
) -> None:
    """Draw the resident representatives of every community (七、1), verifiably.

    Reads the roster, draws COUNT representatives and ALTERNATES alternates per
    community from the eligible residents with the public SEED, and writes reps.csv
    (UTF-8 with BOM, for Excel) and the audit record reps.draw.json beside it. Anyone
    can redo the draw from the record and the roster (see verify-draw). The summary
    masks names; a pool smaller than the places is drawn completely, with a warning.

    A draw is never silently redone: with an existing reps.csv it stops, unless
    --force, which first archives the earlier reps.csv and record in draws/.

    Announce first: `--announce` writes announce.csv with each community's pool size
    and a SHA-256 fingerprint of its eligible residents (no names). Publish it before
    the seed is known: it fixes the roster, so no one can add or remove residents
    once the seed is out; draw-reps refuses to draw from a roster that no longer
    matches a published announce.csv.

    Examples (samples/ already holds a draw, so these draw again with --force, which keeps
    the earlier draw in draws/; a year drawn for the first time needs no --force):

        starcommunity draw-reps --root samples --year 2008 --announce

        starcommunity draw-reps --root samples --year 2008 --seed "2008-11-25 双色球 2008138" --alternates 3 --force

        starcommunity draw-reps --root samples --year 2008 --method rfc3797 --seed "9319/2 5 12 8 10/9 18 26 34 41 45" --force
    """  # noqa: E501 - the examples are commands to copy whole
    language = resolve_lang(lang)
    if announce_only:
        if seed is not None:
            fail_usage(
                tr(
                    language,
                    "--announce is published before the seed is known: run it without --seed.",
                    "--announce 应在随机种子产生之前公示，请不要同时给出 --seed。",
                )
            )
        _announce(root, year, force, output_format, language)
        return
    if seed is None:
        fail_usage(
            tr(
                language,
                "--seed is required: give the public random value (e.g. a lottery result), "
                "or use --announce to publish the pools before the draw.",
                "缺少 --seed：请给出公开的随机数（如彩票开奖号码），或先用 --announce 公示。",
            )
        )
    import pandas as pd

    from starcommunity import __version__
    from starcommunity.draw import DrawOptionError, draw, make_record, residents_without
    from starcommunity.io.writing import atomic_write_all, csv_text

    stratify_value = stratify.value if stratify is not None else None
    # Options and seed are usage errors: check them before reading anything.
    try:
        draw(
            pd.DataFrame({"community_id": [], "resident_id": []}),
            seed,
            method=method.value,
            count=count or 0,
            alternates=alternates,
            stratify=stratify_value,
        )
    except DrawOptionError as error:
        fail_usage(str(error))

    data = load_for(root, year, language, ("roster", "communities"), output_format)
    roster = require_roster(data, language)
    folder = data.folder
    existing = reps_files(folder)
    if existing and not force:
        _refuse_redraw(folder, existing, language)
    _check_announced(data, roster, language)

    count_value = count if count is not None else data.scheme.raters.get("residents", 30)
    try:
        result = draw(
            roster,
            seed,
            method=method.value,
            count=count_value,
            alternates=alternates,
            one_per_household=one_per_household,
            stratify=stratify_value,
        )
    except DrawOptionError as error:
        fail_usage(str(error))
    if stratify_value == "compound":
        _warn_blank(residents_without(roster, "compound"), "compound", language)
    if one_per_household:
        _warn_blank(residents_without(roster, "household"), "household", language)
    record = make_record(
        result,
        seed,
        method.value,
        count_value,
        alternates,
        one_per_household,
        stratify_value,
        f"starcommunity {__version__}",
    )
    pool_sizes = {str(r.community_id): int(r.pool_size) for r in result.pools.itertuples()}
    split = {community_id for community_id, _household, _compounds in result.split_households}
    for community_id, household, compounds in result.split_households:
        named = [c or tr(language, "(no compound)", "（未填小区）") for c in compounds]
        say(
            tr(
                language,
                f"Warning: {community_id}: household {household} is in several compounds "
                f"({', '.join(named)}). Drawn one per household by compound, a member "
                "picked in one compound takes the household out of the others, which can "
                "leave a seat empty. Put each household in one compound in the roster.",
                f"警告：{community_id}：户号{household}分属多个小区（{'、'.join(named)}）。"
                "按小区分层且每户限一人抽取时，一个小区抽中该户成员后，该户在其他小区的成员"
                "也不再参加抽取，可能导致名额空缺。请在居民名册中把每户归入一个小区。",
            )
        )
    for community_id, wanted, got in result.short:
        # with a household split over compounds, not everyone who could be drawn was
        split_en = " (see the household in several compounds above)"
        split_zh = "（见上文分属多个小区的户）"
        say(
            tr(
                language,
                f"Warning: {community_id}: only {got} of {wanted} places could be filled "
                f"({count_value} representatives + {alternates} alternates) from a pool of "
                f"{pool_sizes.get(community_id, 0)} eligible residents"
                f"{', one per household' if one_per_household else ''}"
                + (split_en if community_id in split else "; everyone who could be drawn was drawn")
                + ".",
                f"警告：{community_id}：符合条件的居民{pool_sizes.get(community_id, 0)}人"
                f"{'（每户限一人）' if one_per_household else ''}，"
                f"{wanted}个名额（代表{count_value}名＋候补{alternates}名）只能抽出{got}人"
                + (split_zh if community_id in split else "，已全部抽取")
                + "。",
            )
        )
    for community_id in sorted(set(community_names(data)) - set(pool_sizes)):
        say(
            tr(
                language,
                f"Warning: {community_id} has nobody in the roster; nobody was drawn for it.",
                f"警告：{community_id}在居民名册中没有居民，未能抽取。",
            )
        )

    reps_path = folder / REPS_FILE
    record_path = folder / RECORD_FILE
    _check_outputs(data, [reps_path, record_path], existing, language)
    old = existing + ([record_path] if record_path.is_file() else [])
    archived = archive(folder, old) if old else []
    reps_csv = csv_text(result.reps[REPS_FILE_COLUMNS].to_dict("records"), REPS_FILE_COLUMNS)
    record_text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    # Both or neither: a reps.csv without its matching record could not be verified.
    atomic_write_all(
        {
            reps_path: UTF8_BOM + reps_csv.encode("utf-8"),
            record_path: record_text.encode("utf-8"),
        }
    )
    for path in existing:  # e.g. a 代表名单.xlsx: archived above, replaced by reps.csv
        if path.resolve() != reps_path.resolve():
            path.unlink()

    counts = result.reps.groupby(["community_id", "role"]).size()
    wanted = count_value + alternates
    rows = []
    for pool in result.pools.itertuples(index=False):
        cid = str(pool.community_id)
        n_reps = int(counts.get((cid, "rep"), 0))
        n_alternates = int(counts.get((cid, "alternate"), 0))
        rows.append(
            {
                "community_id": cid,
                "pool_size": int(pool.pool_size),
                "fingerprint": str(pool.fingerprint),
                "reps": n_reps,
                "alternates": n_alternates,
                "short": wanted - n_reps - n_alternates,
            }
        )
    if output_format is OutputFormat.json:
        write_json(
            {
                "seed": seed,
                "method": method.value,
                "count": count_value,
                "alternates": alternates,
                "one_per_household": one_per_household,
                "stratify": stratify_value,
                "reps_file": str(reps_path),
                "record_file": str(record_path),
                "archived": [str(p) for p in archived],
                "communities": rows,
            }
        )
    elif output_format is OutputFormat.csv:
        write_csv(rows, SUMMARY_COLUMNS)
    else:
        _print_draw(result.reps, rows, seed, method.value, year, language)
    if archived:
        say(
            tr(
                language,
                f"The earlier draw is kept in {folder / ARCHIVE_FOLDER}: "
                + ", ".join(p.name for p in archived),
                f"早先的抽取结果已保存在{folder / ARCHIVE_FOLDER}："
                + "，".join(p.name for p in archived),
            )
        )
        from starcommunity.io.year import sheet_files

        if sheet_files(folder):
            say(
                tr(
                    language,
                    "Warning: score sheets are already in sheets/; residents who scored must "
                    "be among the representatives now drawn (run validate).",
                    "警告：sheets/中已有评分表，打分的居民必须是本次抽取的代表（请运行validate检查）。",
                )
            )
    say(
        tr(
            language,
            f"Drew {int((result.reps['role'] == 'rep').sum())} representatives and "
            f"{int((result.reps['role'] == 'alternate').sum())} alternates in "
            f"{len(result.pools)} communities; wrote {reps_path} and {record_path}. "
            f"Check it any time: {command_line('verify-draw', root, year)}",
            f"共{len(result.pools)}个社区，抽取代表{int((result.reps['role'] == 'rep').sum())}名、"
            f"候补{int((result.reps['role'] == 'alternate').sum())}名；已写出{reps_path}和"
            f"{record_path}。随时可复核：{command_line('verify-draw', root, year)}",
        )
    )
    raise typer.Exit(EXIT_OK)


def _warn_blank(rows: pd.DataFrame, column: str, lang: str) -> None:
    """Per community, the eligible residents with no compound (or household), by row
    (draw.residents_without).

    The draw gives them a meaning (one compound of their own, a household each), which
    is seldom what the clerk meant: the warning says so and where to fill them in.
    """
    for community_id, group in rows.groupby("community_id", sort=True):
        where = ", ".join(
            f"{file}{f' [{sheet}]' if isinstance(sheet, str) and sheet else ''} "
            f"{'rows' if len(part) > 1 else 'row'} "
            f"{', '.join(str(int(r)) for r in part['_row'].head(5))}"
            + (" ..." if len(part) > 5 else "")
            for (file, sheet), part in group.groupby(["_file", "_sheet"], dropna=False, sort=False)
        )
        where_zh = "；".join(
            f"{file}{f'（{sheet}）' if isinstance(sheet, str) and sheet else ''}"
            f"第{'、'.join(str(int(r)) for r in part['_row'].head(5))}行"
            + ("等" if len(part) > 5 else "")
            for (file, sheet), part in group.groupby(["_file", "_sheet"], dropna=False, sort=False)
        )
        n = len(group)
        if column == "compound":
            en = (
                f"Warning: {community_id}: {n} eligible resident(s) have no compound (小区) "
                f"({where}); drawn by compound, they form a compound of their own, with "
                "its share of the seats. Fill in their 小区 if that is not meant."
            )
            zh = (
                f"警告：{community_id}：{n}名符合条件的居民没有填写小区（{where_zh}），"
                "按小区分层抽取时他们单独算作一个小区，按比例分得名额。如非此意，请补填小区。"
            )
        else:
            en = (
                f"Warning: {community_id}: {n} eligible resident(s) have no household "
                f"(户号) ({where}); drawn one per household, each of them counts as a "
                "household of their own. Fill in their 户号 if that is not meant."
            )
            zh = (
                f"警告：{community_id}：{n}名符合条件的居民没有填写户号（{where_zh}），"
                "每户限一人抽取时，他们每人单独算作一户。如非此意，请补填户号。"
            )
        say(tr(lang, en, zh))


def _refuse_redraw(folder: Path, existing: list[Path], lang: str) -> None:
    record, _problem = read_record(folder, lang)
    names = ", ".join(p.name for p in existing)
    if record is not None and isinstance(record.get("seed"), str):
        how = f'seed "{record["seed"]}", {record.get("method", "?")}'
        how_zh = f"随机种子“{record['seed']}”，{record.get('method', '?')}"
    else:
        how = f"no readable {RECORD_FILE} beside it"
        how_zh = f"旁边没有可读的{RECORD_FILE}"
    say(
        tr(
            lang,
            f"{names} already exists (drawn with {how}); pass --force to redraw — the "
            f"earlier draw is kept in {ARCHIVE_FOLDER}/. Nothing was changed.",
            f"{names}已存在（{how_zh}）；如确需重新抽取请加 --force，"
            f"早先的结果会保存在{ARCHIVE_FOLDER}/中。未做任何改动。",
        )
    )
    raise typer.Exit(EXIT_DATA)


def _check_outputs(data: YearData, outputs: list[Path], replaced: list[Path], lang: str) -> None:
    """Never write over an input other than the reps file being redrawn."""
    from starcommunity.io.writing import OutputRefused, check_output_path

    replaced_set = {p.resolve() for p in replaced}
    inputs = [p for p in data.input_files if p.resolve() not in replaced_set]
    for path in outputs:
        try:
            check_output_path(path, inputs, force=True)
        except OutputRefused as error:
            say(error.text(lang))
            raise typer.Exit(EXIT_DATA) from None


def _print_draw(
    reps: pd.DataFrame, rows: list[dict[str, Any]], seed: str, method: str, year: str, lang: str
) -> None:
    from starcommunity.draw import mask_reps

    zh = lang == "zh"
    _print_table(
        (
            f"{year}年居民代表抽取：种子“{seed}”（{method}）"
            if zh
            else f'Draw {year}: seed "{seed}" ({method})'
        ),
        (
            ["社区编号", "符合条件人数", "名册指纹", "代表", "候补", "缺额"]
            if zh
            else ["community", "pool", "fingerprint", "reps", "alternates", "short"]
        ),
        [
            [
                r["community_id"],
                r["pool_size"],
                r["fingerprint"][:16],
                r["reps"],
                r["alternates"],
                r["short"],
            ]
            for r in rows
        ],
    )
    # Names are masked: a terminal listing ends up on projectors and in chat screenshots.
    masked = mask_reps(reps)
    role_names = {"rep": "代表", "alternate": "候补"} if zh else {}
    _print_table(
        "抽取结果（姓名已部分隐去）" if zh else "Drawn (names masked)",
        ["社区编号", "顺序", "居民编号", "姓名", "身份"]
        if zh
        else ["community", "order", "resident", "name", "role"],
        [
            [r.community_id, r.order, r.resident_id, r.name, role_names.get(r.role, r.role)]
            for r in masked.itertuples(index=False)
        ],
    )


# --------------------------------------------------------------------------- announce


def _announce_rows(data: YearData, roster: pd.DataFrame) -> list[dict[str, Any]]:
    from starcommunity.draw import announce

    names = community_names(data)
    return [
        {
            "community_id": str(row.community_id),
            "name": names.get(str(row.community_id), ""),
            "pool_size": int(row.pool_size),
            "fingerprint": str(row.fingerprint),
        }
        for row in announce(roster).itertuples(index=False)
    ]


def _read_announced(path: Path) -> dict[str, tuple[int, str]]:
    """community_id -> (pool_size, fingerprint) from a published announce.csv."""
    text = path.read_bytes().decode("utf-8-sig")
    announced: dict[str, tuple[int, str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        announced[str(row["community_id"]).strip()] = (
            int(str(row["pool_size"]).strip()),
            str(row["fingerprint"]).strip(),
        )
    return announced


def _pool_differences(
    announced: dict[str, tuple[int, str]],
    current: dict[str, tuple[int, str]],
    lang: str,
    now_zh: str = "现在",
) -> list[str]:
    out = []
    for cid in sorted(set(announced) | set(current)):
        was, now = announced.get(cid), current.get(cid)
        if was == now:
            continue
        if lang == "zh":
            was_zh = f"{was[0]}人，名册指纹{was[1][:12]}" if was else "未公示"
            now_text = f"{now[0]}人，名册指纹{now[1][:12]}" if now else "没有该社区"
            out.append(f"{cid}：公示时{was_zh}；{now_zh}{now_text}{_change(was, now, lang)}")
            continue
        was_text = f"{was[0]} residents, fingerprint {was[1][:12]}" if was else "not announced"
        now_text = f"{now[0]} residents, fingerprint {now[1][:12]}" if now else "absent"
        out.append(f"{cid}: announced {was_text}; now {now_text}{_change(was, now, lang)}")
    return out


def _change(was: tuple[int, str] | None, now: tuple[int, str] | None, lang: str) -> str:
    """What a changed pool means, in words (the fingerprint alone says nothing to a clerk)."""
    if was is None or now is None:
        return ""
    if now[0] > was[0]:
        more = now[0] - was[0]
        return tr(lang, f" ({more} eligible resident(s) more)", f"（符合条件的居民多了{more}人）")
    if now[0] < was[0]:
        fewer = was[0] - now[0]
        return tr(
            lang, f" ({fewer} eligible resident(s) fewer)", f"（符合条件的居民少了{fewer}人）"
        )
    return tr(
        lang,
        " (as many residents, but a resident_id, household or compound of an eligible "
        "resident changed, or one resident was swapped for another)",
        "（人数相同，但有符合条件居民的居民编号、户号或小区改动，或有人被替换）",
    )


def _check_announced(data: YearData, roster: pd.DataFrame, lang: str) -> None:
    """Refuse to draw from a roster that differs from the published announcement."""
    path = data.folder / ANNOUNCE_FILE
    if not path.is_file():
        return
    try:
        announced = _read_announced(path)
    except (UnicodeDecodeError, KeyError, ValueError, csv.Error) as error:
        say(
            tr(
                lang,
                f"{path} cannot be read ({error}). Announce again "
                "(draw-reps --announce --force) and publish it before drawing.",
                f"{path}无法读取（{error}），请重新公示（draw-reps --announce --force）后再抽取。",
            )
        )
        raise typer.Exit(EXIT_DATA) from None
    current = {
        r["community_id"]: (r["pool_size"], r["fingerprint"]) for r in _announce_rows(data, roster)
    }
    differences = _pool_differences(announced, current, lang)
    if differences:
        for line in differences:
            say(line)
        say(
            tr(
                lang,
                f"The roster changed after {ANNOUNCE_FILE} was published: the draw would not "
                "be from the announced pool. Restore the roster as announced, or announce "
                "again (draw-reps --announce --force), publish it, and only then fix the seed. "
                "Nothing was drawn and no file was written or changed.",
                f"{ANNOUNCE_FILE}公示后居民名册有改动，抽取将不是从公示的名单中进行。请恢复公示时的名册，"
                "或重新公示（draw-reps --announce --force）并公布后，再确定随机种子。"
                "本次未抽取，也未写入或改动任何文件。",
            )
        )
        raise typer.Exit(EXIT_DATA)


def _announce(root: Path, year: str, force: bool, output_format: OutputFormat, lang: str) -> None:
    from starcommunity.io.writing import atomic_write_bytes, csv_text

    data = load_for(root, year, lang, ("roster", "communities"), output_format)
    roster = require_roster(data, lang)
    rows = _announce_rows(data, roster)
    content = UTF8_BOM + csv_text(rows, ANNOUNCE_COLUMNS).encode("utf-8")
    path = data.folder / ANNOUNCE_FILE
    archived: list[Path] = []
    if path.is_file() and path.read_bytes() == content:
        state = tr(lang, f"{path} is unchanged.", f"{path}内容未变。")
    elif path.is_file() and not force:
        try:
            announced = _read_announced(path)
        except (UnicodeDecodeError, KeyError, ValueError, csv.Error):
            announced = None
        if announced is not None:  # which communities changed, and how
            current = {r["community_id"]: (r["pool_size"], r["fingerprint"]) for r in rows}
            for line in _pool_differences(announced, current, lang):
                say(line)
        say(
            tr(
                lang,
                f"{path} already exists with other pools (the roster changed since it was "
                "published); it was left unchanged. Pass --force to replace it (the old one "
                "is kept in draws/), and publish the new one before the seed is known.",
                f"{path}已存在且内容不同（公示后名册有改动），未作改动。如需替换请加 --force"
                "（旧文件保存在draws/中），并在随机种子产生前重新公示。",
            )
        )
        raise typer.Exit(EXIT_DATA)
    else:
        if path.is_file():
            archived = archive(data.folder, [path])
        atomic_write_bytes(path, content)
        state = tr(lang, f"Wrote {path}.", f"已写出{path}。")
    if output_format is OutputFormat.json:
        write_json({"file": str(path), "communities": rows})
    elif output_format is OutputFormat.csv:
        write_csv(rows, ANNOUNCE_COLUMNS)
    else:
        zh = lang == "zh"
        _print_table(
            f"{year}年居民代表抽取公示" if zh else f"Announcement {year} (before the draw)",
            ["社区编号", "社区名称", "符合条件人数", "名册指纹（SHA-256）"]
            if zh
            else ["community", "name", "pool", "fingerprint (SHA-256)"],
            [[r["community_id"], r["name"], r["pool_size"], r["fingerprint"]] for r in rows],
        )
    if archived:
        say(
            tr(
                lang,
                f"The earlier announcement is kept as {archived[0]}.",
                f"早先的公示已保存为{archived[0]}。",
            )
        )
    say(
        state
        + ("" if lang == "zh" else " ")
        + tr(
            lang,
            "Publish it before the seed is known: the fingerprints fix every community's "
            "pool, so the roster cannot be changed once the seed is out.",
            "请在随机种子产生之前公示：名册指纹固定了每个社区的抽取范围，种子公布后名册不能再改动。",
        )
    )
    if reps_files(data.folder):
        say(
            tr(
                lang,
                "Warning: a draw already exists; an announcement made after the draw proves "
                "nothing about it.",
                "警告：已经抽取过；抽取后的公示不能证明此前抽取的公正性。",
            )
        )
    raise typer.Exit(EXIT_OK)


# --------------------------------------------------------------------------- verify-draw


@app.command("verify-draw")
def verify_draw(
    year: YearOption,
    audit: Annotated[
        bool,
        typer.Option(
            "--audit",
            help="Also print the audit table: every pick with its hash, pool size and "
            "position (with --format csv only the audit table is printed).",
        ),
    ] = False,
    root: RootOption = Path("."),
    output_format: FormatOption = OutputFormat.table,
    lang: LangOption = None,
) -> None:
    """Redo the draw from reps.draw.json and the roster and compare it with reps.csv.

    Says for each community: match, roster-changed (the eligible pool is not the one
    drawn from), reps-differ (reps.csv was edited; every difference is named, by order) or
    missing. A published announce.csv is checked against the record too. Exit code 0
    when everything matches, 1 otherwise or when the record is missing or damaged.
    Resident IDs are masked in the table output of --audit.

    Example:

        starcommunity verify-draw --root samples --year 2008 --audit
    """
    from starcommunity.draw import verify

    language = resolve_lang(lang)
    data = load_for(root, year, language, ("roster",), output_format)
    roster = require_roster(data, language)
    if data.reps is None:
        say(
            tr(
                language,
                f"There is no {REPS_FILE} in {data.folder}: nothing to verify. Draw first "
                "(starcommunity draw-reps).",
                f"{data.folder}中没有{REPS_FILE}，无可复核。请先抽取（starcommunity draw-reps）。",
            )
        )
        raise typer.Exit(EXIT_DATA)
    record, record_problem = read_record(data.folder, language)
    problems: list[str] = [record_problem] if record_problem else []
    communities: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    if record is not None:
        # details in Chinese only for the table; JSON and CSV keep the English
        table_lang = language if output_format is OutputFormat.table else "en"
        result = verify(roster, data.reps, record, table_lang)
        problems.extend(result.problems)
        communities = _frame_records(result.communities)
        audit_rows = _frame_records(result.audit)
        if not result.problems:  # a damaged record differs from any announcement
            problems.extend(_announce_against_record(data.folder, record, language))
    ok = not problems and all(c["status"] == "match" for c in communities)

    if output_format is OutputFormat.json:
        out: dict[str, Any] = {
            "ok": ok,
            "seed": record.get("seed") if record else None,
            "method": record.get("method") if record else None,
            "communities": communities,
            "problems": problems,
        }
        if audit:
            out["audit"] = audit_rows
        write_json(out)
    elif output_format is OutputFormat.csv:
        if audit:
            write_csv(audit_rows, list(audit_rows[0]) if audit_rows else ["community_id"])
        else:
            write_csv(communities, STATUS_COLUMNS)
    else:
        _print_verify(communities, audit_rows if audit else None, year, language)
    for problem in problems:
        say(problem)
    _say_verdict(ok, communities, problems, record, language)
    raise typer.Exit(EXIT_OK if ok else EXIT_DATA)


def _announce_against_record(folder: Path, record: dict[str, Any], lang: str) -> list[str]:
    path = folder / ANNOUNCE_FILE
    if not path.is_file():
        return []
    try:
        announced = _read_announced(path)
        recorded = {
            str(p["community_id"]): (int(p["pool_size"]), str(p["fingerprint"]))
            for p in record.get("pools", [])
        }
    except (UnicodeDecodeError, KeyError, ValueError, TypeError, csv.Error) as error:
        return [
            tr(
                lang,
                f"{ANNOUNCE_FILE} cannot be compared: {error}",
                f"{ANNOUNCE_FILE}无法比对：{error}",
            )
        ]
    differences = _pool_differences(announced, recorded, lang, "抽取记录中")
    if not differences:
        return []
    lead = tr(
        lang,
        f"The draw was not made from the pools published in {ANNOUNCE_FILE}:",
        f"抽取所用名单与{ANNOUNCE_FILE}公示的不一致：",
    )
    return [lead, *differences]


def _print_verify(
    communities: list[dict[str, Any]], audit: list[dict[str, Any]] | None, year: str, lang: str
) -> None:
    from starcommunity.draw import mask_id

    zh = lang == "zh"
    status_zh = {
        "match": "一致",
        "roster-changed": "名册已变",
        "reps-differ": "名单不符",
        "missing": "缺失",
    }
    _print_table(
        f"{year}年抽取复核" if zh else f"Draw verification {year}",
        ["社区编号", "结果", "说明"] if zh else ["community", "status", "detail"],
        [
            [
                c["community_id"],
                status_zh.get(c["status"], c["status"]) if zh else c["status"],
                c["detail"],
            ]
            for c in communities
        ],
    )
    if audit is None:
        return
    # The table is for screens; IDs are masked. --format json/csv gives them in full.
    role_names = {"rep": "代表", "alternate": "候补"} if zh else {}
    _print_table(
        "抽取过程（居民编号已部分隐去）" if zh else "Audit (resident IDs masked)",
        ["社区编号", "小区", "i", "哈希", "剩余人数", "位置", "居民编号", "身份"]
        if zh
        else ["community", "compound", "i", "hash", "pool size", "position", "resident", "role"],
        [
            [
                a["community_id"],
                a["compound"],
                a["i"],
                a["hash"],
                a["pool_size"],
                a["position"],
                mask_id(a["resident_id"]),
                role_names.get(a["role"], a["role"]),
            ]
            for a in audit
        ],
    )


def _say_verdict(
    ok: bool,
    communities: list[dict[str, Any]],
    problems: list[str],
    record: dict[str, Any] | None,
    lang: str,
) -> None:
    if ok:
        say(
            tr(
                lang,
                f"Verified: all {len(communities)} communities match the draw "
                f'(seed "{record.get("seed") if record else ""}", '
                f"{record.get('method') if record else ''}).",
                f"复核通过：{len(communities)}个社区全部与抽取结果一致"
                f"（随机种子“{record.get('seed') if record else ''}”，"
                f"{record.get('method') if record else ''}）。",
            )
        )
        return
    statuses = {c["status"] for c in communities}
    bad = [c for c in communities if c["status"] != "match"]
    if communities:
        say(
            tr(
                lang,
                f"NOT verified: {len(bad)} of {len(communities)} communities differ.",
                f"复核未通过：{len(communities)}个社区中有{len(bad)}个不一致。",
            )
        )
    elif problems:
        say(tr(lang, "NOT verified.", "复核未通过。"))
    if "roster-changed" in statuses:
        say(
            tr(
                lang,
                "roster-changed: the eligible residents are not those drawn from. Use the "
                "roster as it was at the draw; if the change is legitimate, announce and "
                "draw again (draw-reps --announce --force, then draw-reps --force).",
                "名册已变：符合条件的居民与抽取时不同。请使用抽取时的名册；如改动属实，"
                "请重新公示并抽取（draw-reps --announce --force，然后 draw-reps --force）。",
            )
        )
    if "reps-differ" in statuses or "missing" in statuses:
        say(
            tr(
                lang,
                f"reps-differ / missing: {REPS_FILE} is not what the draw gives. Restore "
                f"{REPS_FILE} as draw-reps wrote it (earlier draws are in {ARCHIVE_FOLDER}/). "
                "An alternate standing in is shown on the score sheet; reps.csv is not edited.",
                f"名单不符/缺失：{REPS_FILE}与抽取结果不同。请恢复draw-reps写出的{REPS_FILE}"
                f"（早先的结果在{ARCHIVE_FOLDER}/中）。候补递补只在评分表中体现，不要修改reps.csv。",
            )
        )


# --------------------------------------------------------------------------- notice


@app.command()
def notice(
    year: YearOption,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The .xlsx file to write, e.g. 公示名单.xlsx.")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing output file.")
    ] = False,
    root: RootOption = Path("."),
    output_format: FormatOption = OutputFormat.table,
    lang: LangOption = None,
) -> None:
    """Write the public notice (公示名单) of the drawn representatives as .xlsx.

    One sheet per compound (小区) of each community, or one per community when the
    roster has no compounds, with a title row like 2008年欢乐谷社区居民代表公示名单,
    the order, masked name (王*明), partly hidden resident ID, compound and role, and
    the seed and method under the table so anyone can check the draw. Nothing in it
    is ever a formula.

    Example:

        starcommunity notice --root samples --year 2008 --output 公示名单.xlsx
    """
    language = resolve_lang(lang)
    if output.suffix.lower() != ".xlsx":
        fail_usage(
            tr(
                language,
                f"--output must end in .xlsx: {output}",
                f"--output 应为.xlsx文件：{output}",
            )
        )
    from starcommunity.io.writing import OutputRefused, check_output_path
    from starcommunity.io.year import inputs_of_every_year
    from starcommunity.report.notice import build_notice, write_notice

    data = load_for(root, year, language, ("reps", "communities"), output_format)
    if data.reps is None:
        say(
            tr(
                language,
                f"There is no {REPS_FILE} in {data.folder}: draw first (starcommunity draw-reps).",
                f"{data.folder}中没有{REPS_FILE}，请先抽取（starcommunity draw-reps）。",
            )
        )
        raise typer.Exit(EXIT_DATA)
    for source in data.input_files:
        if source.resolve() == output.resolve():
            fail_usage(
                tr(
                    language,
                    f"{output} is an input file; choose another name.",
                    f"{output}是输入文件，请换一个文件名。",
                )
            )
    other_inputs, sheet_folders = inputs_of_every_year(data.root)
    try:
        check_output_path(
            output, [*data.input_files, *other_inputs], force=force, input_folders=sheet_folders
        )
    except OutputRefused as error:
        if not error.exists:
            fail_usage(str(error), error.chinese, language)
        say(error.text(language))
        raise typer.Exit(EXIT_DATA) from None
    record, _problem = read_record(data.folder, language)
    note = None
    if record is not None and isinstance(record.get("seed"), str):
        note = (
            f"抽取方法：{record.get('method', '')}；随机种子：{record['seed']}。"
            "任何人均可按公开的方法复核（starcommunity verify-draw）。"
        )
    workbook, sheets = build_notice(reps_with_roster(data), community_names(data), str(year), note)
    write_notice(output, workbook)
    rows = [
        {
            "sheet": s.sheet,
            "community_id": s.community_id,
            "compound": s.compound,
            "reps": s.reps,
            "alternates": s.alternates,
        }
        for s in sheets
    ]
    if output_format is OutputFormat.json:
        write_json({"file": str(output), "sheets": rows})
    elif output_format is OutputFormat.csv:
        write_csv(rows, NOTICE_COLUMNS)
    else:
        zh = language == "zh"
        _print_table(
            f"公示名单 {output}" if zh else f"Notice {output}",
            ["工作表", "社区编号", "小区", "代表", "候补"] if zh else NOTICE_COLUMNS,
            [[r[c] for c in NOTICE_COLUMNS] for r in rows],
        )
    say(
        tr(
            language,
            f"Wrote {output} ({len(sheets)} sheet(s)).",
            f"已写出{output}（{len(sheets)}个工作表）。",
        )
    )
    raise typer.Exit(EXIT_OK)
