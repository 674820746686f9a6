"""`starcommunity forms`: the score forms, and that filled in they pass validate unedited."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from starcommunity.cli import app
from starcommunity.io.tables import strip_trailing_note
from starcommunity.io.year import item_header_keys, load_year
from starcommunity.report.forms import FormItem, item_header
from tests.conftest import run

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
META = ["社区编号", "评分组", "评分人编号", "评分人姓名", "日期"]
SCORE_SHEETS = ("居民代表", "办事处", "区农委")
MAXIMUM = re.compile(r"（([0-9.]+)分）$")


@pytest.fixture
def root(root_2008_only: Path) -> Path:
    return root_2008_only


@pytest.fixture
def forms(root: Path, tmp_path: Path) -> Path:
    out = tmp_path / "forms"
    result = run("forms", "--root", str(root), "--year", "2008", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    return out


def reps(root: Path) -> list[dict[str, str]]:
    text = (root / "2008" / "reps.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_one_workbook_per_community_named_by_id_and_name(forms: Path) -> None:
    names = sorted(p.name for p in forms.iterdir())
    assert len(names) == 9
    assert names[0] == "NMF01_欢乐谷社区.xlsx"


def test_form_layout(root: Path, forms: Path) -> None:
    data, _ = load_year(root, "2008", scores=False)
    workbook = load_workbook(forms / "NMF01_欢乐谷社区.xlsx")
    assert workbook.sheetnames == [*SCORE_SHEETS, "说明"]
    residents = workbook["居民代表"]
    assert residents["A1"].value == "2008年欢乐谷社区星级和谐社区评估评分表（居民代表）"
    header = [c.value for c in residents[2]]
    criteria = data.criteria
    assert header[:5] == META
    assert header[5] == "A1 居委会依法选举（5分）"
    assert len(header) == 5 + len(criteria)
    assert residents.freeze_panes == "F3"

    drawn = [r for r in reps(root) if r["community_id"] == "NMF01"]
    wanted = [(r["resident_id"], r["name"]) for r in drawn if r["role"] == "rep"]
    rows = [
        (row[2].value, row[3].value)
        for row in residents.iter_rows(min_row=3)
        if row[2].value is not None
    ]
    assert rows == wanted and len(rows) == 30
    assert {row[0].value for row in residents.iter_rows(min_row=3, max_row=32)} == {"NMF01"}
    assert {row[1].value for row in residents.iter_rows(min_row=3, max_row=32)} == {"居民代表"}

    office = workbook["办事处"]
    assert [office.cell(row=r, column=3).value for r in range(3, 13)] == [
        f"O{n:02d}" for n in range(1, 11)
    ]
    assert office.cell(row=13, column=3).value is None
    committee = workbook["区农委"]
    assert committee["C3"].value == "C01" and committee["B3"].value == "区农委"

    notes = " ".join(str(c.value) for row in workbook["说明"].iter_rows() for c in row if c.value)
    for alternate in (r for r in drawn if r["role"] == "alternate"):
        assert alternate["resident_id"] in notes and alternate["name"] in notes


def test_forms_print_on_a4_as_wide_as_the_page(forms: Path) -> None:
    """Handed out on paper: 28 columns on A4 portrait spread over four pages, with no
    header on the later ones and no lines to write in."""
    workbook = load_workbook(forms / "NMF01_欢乐谷社区.xlsx")
    for name in SCORE_SHEETS:
        sheet = workbook[name]
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # "9", read back as 9
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows.replace("$", "") == "1:2"
        assert sheet.print_options.gridLines
    notes = workbook["说明"]
    assert notes.page_setup.orientation == "portrait" and notes.page_setup.fitToWidth == 1


def test_item_headers_resolve_to_item_ids(root: Path) -> None:
    """The reader strips the bracketed maximum and matches id + name."""
    data, _ = load_year(root, "2008", scores=False)
    keys = item_header_keys(data.criteria)
    from starcommunity.io.headers import header_key

    for row in data.criteria.itertuples(index=False):
        header = item_header(FormItem(row.item_id, row.name, float(row.max_points)))
        assert keys[header_key(strip_trailing_note(header))] == row.item_id
    # a name with its own brackets keeps them: only the trailing maximum is stripped
    header = item_header(FormItem("X1", "环境卫生（含绿化）", 2.5))
    assert header == "X1 环境卫生（含绿化）（2.5分）"
    assert strip_trailing_note(header) == "X1 环境卫生（含绿化）"


def test_every_score_cell_is_validated_within_its_bounds(root: Path, forms: Path) -> None:
    data, _ = load_year(root, "2008", scores=False)
    maxima = dict(zip(data.criteria["item_id"], data.criteria["max_points"], strict=True))
    for path in forms.iterdir():
        workbook = load_workbook(path)
        for title in SCORE_SHEETS:
            sheet = workbook[title]
            rules = {}
            for rule in sheet.data_validations.dataValidation:
                for cell_range in rule.sqref.ranges:
                    rules[cell_range.min_col] = (rule, cell_range)
            last = max(sheet.max_row, 3)
            filled = [r for r in range(3, last + 1) if sheet.cell(row=r, column=3).value]
            for column, cell in enumerate(sheet[2], start=1):
                if column <= len(META):
                    assert column not in rules
                    continue
                item_id = str(cell.value).split(" ")[0]
                rule, cell_range = rules[column]
                assert rule.type == "decimal" and rule.operator == "between"
                assert float(rule.formula1) == 0
                assert float(rule.formula2) == maxima[item_id]
                assert float(MAXIMUM.search(str(cell.value)).group(1)) == maxima[item_id]
                assert rule.showErrorMessage and rule.error
                assert cell_range.min_row == 3
                assert cell_range.max_row >= max(filled, default=3)


def fill(workbook_path: Path, target: Path, rng: random.Random) -> None:
    """Score every pre-filled rater row with valid numbers, as a clerk would."""
    workbook = load_workbook(workbook_path)
    for title in SCORE_SHEETS:
        sheet = workbook[title]
        maxima = [float(MAXIMUM.search(str(c.value)).group(1)) for c in sheet[2][len(META) :]]
        for row in range(3, sheet.max_row + 1):
            if not sheet.cell(row=row, column=3).value:
                continue
            # inside each group's scoring window of the sample scheme.toml
            sheet.cell(row=row, column=5).value = (
                "2008-12-15" if title == "区农委" else "2008-12-01"
            )
            for offset, maximum in enumerate(maxima):
                value = round(rng.uniform(0.6, 1.0) * maximum * 2) / 2
                sheet.cell(row=row, column=len(META) + 1 + offset).value = value
    workbook.save(target)


def test_filled_forms_pass_validate_unedited(root: Path, forms: Path) -> None:
    sheets = root / "2008" / "sheets"
    shutil.rmtree(sheets)
    sheets.mkdir()
    rng = random.Random(2008)
    for path in sorted(forms.iterdir()):
        fill(path, sheets / path.name, rng)
    result = run("validate", "--root", str(root), "--year", "2008", "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report["errors"][:5]
    assert report["valid"] is True
    # the only reader remark about the forms is the 说明 sheet having no header
    codes = {w["code"] for w in report["warnings"] if w["sheet"] is not None}
    assert codes <= {"sheet-without-header", "outlier-rater"}

    # rank is another module's command; check it too where it is registered
    registered = {c.name or getattr(c.callback, "__name__", "") for c in app.registered_commands}
    if "rank" in registered:
        ranked = run("rank", "--root", str(root), "--year", "2008", "--format", "json")
        assert ranked.exit_code == 0, ranked.stderr
        assert len(json.loads(ranked.stdout)) == 9

    data, _ = load_year(root, "2008")
    counts = data.scores.groupby(["community_id", "group"])["rater_id"].nunique()
    assert set(counts.xs("residents", level="group")) == {30}
    assert set(counts.xs("office", level="group")) == {10}
    assert set(counts.xs("committee", level="group")) == {1}


def test_forms_refuse_to_overwrite_and_to_write_into_sheets(root: Path, forms: Path) -> None:
    target = forms / "NMF01_欢乐谷社区.xlsx"
    before = target.read_bytes()
    again = run("forms", "--root", str(root), "--year", "2008", "--output", str(forms))
    assert again.exit_code == 1 and "--force" in again.stderr
    assert target.read_bytes() == before
    forced = run("forms", "--root", str(root), "--year", "2008", "-o", str(forms), "--force")
    assert forced.exit_code == 0
    into_sheets = root / "2008" / "sheets" / "forms"
    refused = run("forms", "--root", str(root), "--year", "2008", "-o", str(into_sheets))
    assert refused.exit_code == 2 and not into_sheets.exists()


def test_forms_default_folder_and_json(root: Path) -> None:
    result = run("forms", "--root", str(root), "--year", "2008", "-f", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert Path(out["folder"]) == root / "2008" / "forms"
    assert [f["residents"] for f in out["forms"]] == [30] * 9
    assert [f["alternates"] for f in out["forms"]] == [3] * 9


def test_forms_need_a_draw(root: Path) -> None:
    (root / "2008" / "reps.csv").unlink()
    result = run("forms", "--root", str(root), "--year", "2008")
    assert result.exit_code == 1 and "draw-reps" in result.stderr


def scheme_with_office_raters(root: Path) -> None:
    path = root / "2008" / "scheme.toml"
    named = ", ".join(f'{{id = "B{n:02d}", name = "委员{n}"}}' for n in range(1, 9))
    text = path.read_text("utf-8").replace("[raters]", f"[raters]\noffice_raters = [{named}]", 1)
    path.write_text(text, "utf-8")


def test_office_sheet_prefilled_from_the_scheme(root: Path, tmp_path: Path) -> None:
    scheme_with_office_raters(root)
    out = tmp_path / "forms"
    assert run("forms", "--root", str(root), "--year", "2008", "-o", str(out)).exit_code == 0
    office = load_workbook(out / "NMF02_平乐园社区.xlsx")["办事处"]
    rows = [
        (office.cell(row=r, column=3).value, office.cell(row=r, column=4).value)
        for r in range(3, 13)
    ]
    # eight named in the scheme, padded to the ten the scheme requires
    assert rows[:8] == [(f"B{n:02d}", f"委员{n}") for n in range(1, 9)]
    assert rows[8:] == [("O01", None), ("O02", None)]


def test_scheme_with_office_raters_is_valid(root: Path) -> None:
    scheme_with_office_raters(root)
    result = run("validate", "--root", str(root), "--year", "2008", "--format", "json")
    assert result.exit_code == 0, json.loads(result.stdout)["errors"]


def test_office_raters_the_scheme_cannot_have_are_named_and_left_off(
    root: Path, tmp_path: Path
) -> None:
    """Twelve named for ten places filled twelve rows that failed wrong-rater-count once
    scored; an entry without an id, or an id twice, was dropped without a word."""
    path = root / "2008" / "scheme.toml"
    named = [f'{{id = "B{n:02d}", name = "委员{n}"}}' for n in range(1, 12)]
    named += ['{name = "无编号"}', '{id = "B01", name = "重复"}']
    text = path.read_text("utf-8")
    path.write_text(
        text.replace("[raters]", f"[raters]\noffice_raters = [{', '.join(named)}]", 1), "utf-8"
    )
    result = run("validate", "--root", root, "--year", "2008", "--format", "json")
    assert result.exit_code == 0, result.stdout  # forms only: the year still ranks
    warnings = json.loads(result.stdout)["warnings"]
    (too_many,) = [w for w in warnings if w["code"] == "office-raters-too-many"]
    assert too_many["value"] == 11 and "[raters] office = 10" in too_many["message"]
    assert too_many["file"] == "scheme.toml"
    bad = [w["column"] for w in warnings if w["code"] == "scheme-bad-value"]
    assert bad == ["raters.office_raters[12]", "raters.office_raters[13]"]

    out = tmp_path / "forms"
    assert run("forms", "--root", root, "--year", "2008", "-o", out).exit_code == 0
    office = load_workbook(out / "NMF02_平乐园社区.xlsx")["办事处"]
    ids = [office.cell(row=r, column=3).value for r in range(3, office.max_row + 1)]
    # the eleven valid ones, as named; the nameless and the repeated entry are left off
    assert [i for i in ids if i] == [f"B{n:02d}" for n in range(1, 12)]


def test_forms_warn_when_the_draw_does_not_match_the_scheme_count(
    root: Path, tmp_path: Path
) -> None:
    """scheme.toml asks for 5 resident raters, reps.csv holds 30 per community: the forms
    listed 30 rows without a word, and once filled every one failed wrong-rater-count."""
    path = root / "2008" / "scheme.toml"
    text = path.read_text("utf-8")
    path.write_text(re.sub(r"(?m)^residents = 30\b", "residents = 5", text, count=1), "utf-8")
    out = tmp_path / "forms"
    result = run("forms", "--root", root, "--year", "2008", "-o", out, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["forms"][0]["residents"] == 30  # stdout stays data
    assert "30 representatives drawn" in result.stderr and "--count 5" in result.stderr
    assert "NMF01" in result.stderr and "wrong-rater-count" in result.stderr
    zh = run("forms", "--root", root, "--year", "2008", "-o", out, "--force", "--lang", "zh")
    assert "抽取了30名居民代表" in zh.stderr
    # the samples' own draw matches their scheme: no such warning
    path.write_text(text, "utf-8")
    plain = run("forms", "--root", root, "--year", "2008", "-o", tmp_path / "f2")
    assert "wrong-rater-count" not in plain.stderr
