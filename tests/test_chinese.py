"""A clerk's year in Chinese (--lang zh): no English leaks into what the clerk reads,
and every message says where the problem is and how to fix it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli
from tests.conftest import run as cli_run
from tests.test_validate import OFFICE, edit_office, find, problems, read_csv, write_csv


def test_score_range_messages_name_the_cell_and_the_range(cli: Cli, year: Path) -> None:
    edit_office(year, 3, "A2", "9")
    edit_office(year, 5, "A2", "-1")
    _, report = problems(cli, year, "--lang", "zh")
    (above,) = find(report, "score-above-max")
    (below,) = find(report, "score-below-zero")
    # the column as a Chinese sentence names it, the item's name (the header is its id),
    # the range, and a full stop like every other message
    assert above["message"] == (
        "第3行A2（G列）：“居务公开与民主议事”得分9超过满分5分，请核对后填写0到5之间的分数。"
    )
    assert below["message"] == (
        "第5行A2（G列）：“居务公开与民主议事”得分-1低于0分，请填写0到5之间的分数。"
    )
    assert above["column"] == "A2 (G)"  # the JSON field itself is unchanged
    _, english = problems(cli, year)
    (above_en,) = find(english, "score-above-max")
    assert above_en["message"] == "Row 3, A2 (G): the score 9 is above the maximum 5. Check it."


def test_columns_in_chinese_messages_use_full_width_brackets(cli: Cli, year: Path) -> None:
    edit_office(year, 4, "社区编号", "NMF99")
    code, report = problems(cli, year, "--lang", "zh")
    assert code == 1
    (unknown,) = find(report, "unknown-community")
    assert unknown["message"].startswith("第4行社区编号（A列）：社区“NMF99”")
    assert " (" not in unknown["message"]
    (count,) = find(report, "wrong-rater-count")  # NMF01 lost a rater to NMF99
    assert count["message"].startswith("NMF01社区：办事处评分人数为9人，应为10人。请核对评分表")
    result = cli("validate", "--root", year.parent, "--year", year.name, "--lang", "zh")
    assert "社区编号（A列）" in result.stdout
    assert "社区编号 (A)" not in result.stdout


def test_unknown_item_column_is_not_named_twice(cli: Cli, year: Path) -> None:
    rows = read_csv(year / OFFICE)
    rows[0].append("Z9")
    for row in rows[1:]:
        row.append("")
    write_csv(year / OFFICE, rows)
    _, report = problems(cli, year, "--lang", "zh")
    (unknown,) = find(report, "unknown-item")
    assert unknown["message"].startswith("Z9（AC列）：“Z9”不是评估标准中的指标")


def test_disqualified_in_plan_wording(cli: Cli, root: Path) -> None:
    result = cli("score", "--root", root, "--year", "2008", "--lang", "zh")
    assert "取消资格（发生重大安全事故）" in result.stdout
    assert "major_accident" not in result.stdout
    result = cli("rank", "--root", root, "--year", "2008", "--lang", "zh")
    assert "取消资格：NMF05 东郊社区：发生重大安全事故" in result.stdout
    assert "major_accident" not in result.stdout
    english = cli("rank", "--root", root, "--year", "2008")
    assert "Disqualified: NMF05 东郊社区: 发生重大安全事故 (major_accident)" in english.stdout


def test_verify_draw_in_chinese(root_2008_only: Path) -> None:
    from tests.test_cli_draw import BOM, read_reps, roster_lines, write_reps, write_roster

    root = root_2008_only
    args = ("verify-draw", "--root", root, "--year", "2008", "--lang", "zh")
    audit = cli_run(*args, "--audit")
    assert audit.exit_code == 0
    assert "│ 代表 │" in audit.stdout and "│ 候补 │" in audit.stdout
    assert "│ rep" not in audit.stdout and "alternate" not in audit.stdout

    path = root / "2008" / "reps.csv"
    rows = read_reps(path)
    first = rows[0]["resident_id"]
    rows[0]["resident_id"] = "X" + first
    write_reps(path, rows)
    table = cli_run(*args)
    assert table.exit_code == 1
    assert f"顺序1：reps.csv中为X{first}（代表），抽取结果为{first}（代表）" in table.stdout
    assert "the draw gives" not in table.stdout
    # JSON keeps the English detail
    out = cli_run("verify-draw", "--root", root, "--year", "2008", "--lang", "zh", "-f", "json")
    assert '"detail": "order 1: reps.csv has X' in out.stdout

    rows[0]["resident_id"] = first
    write_reps(path, rows)
    (root / "2008" / "announce.csv").write_bytes(
        BOM
        + cli_run(
            "draw-reps", "--root", root, "--year", "2008", "--announce", "-f", "csv"
        ).stdout.encode("utf-8")
    )
    lines = roster_lines(root)
    index = next(i for i, line in enumerate(lines) if line.startswith("NMF05,"))
    del lines[index]
    write_roster(root, lines)
    table = cli_run(*args)
    assert table.exit_code == 1
    assert "抽取时符合条件295人" in table.stdout
    assert "eligible residents" not in table.stdout
    refused = cli_run(
        "draw-reps", "--root", root, "--year", "2008", "--lang", "zh", "--seed", "x", "--force"
    )
    assert refused.exit_code == 1
    assert "NMF05：公示时295人" in refused.stderr
    assert "announced" not in refused.stderr


def test_announce_sentences_are_not_separated_by_a_space(root_2008_only: Path) -> None:
    result = cli_run(
        "draw-reps", "--root", root_2008_only, "--year", "2008", "--lang", "zh", "--announce"
    )
    assert result.exit_code == 0
    assert "announce.csv。请在随机种子产生之前公示" in result.stderr


def test_a_damaged_draw_record_is_described_in_chinese(root_2008_only: Path) -> None:
    record = root_2008_only / "2008" / "reps.draw.json"
    record.write_text('{"seed": "x"}', encoding="utf-8")
    cli_run("draw-reps", "--root", root_2008_only, "--year", "2008", "--announce", "--force")
    result = cli_run("verify-draw", "--root", root_2008_only, "--year", "2008", "--lang", "zh")
    assert result.exit_code == 1
    assert "抽取记录（reps.draw.json）缺少以下项：method、count" in result.stderr
    assert "lacks" not in result.stderr
    # a damaged record is not also compared with announce.csv, community by community
    assert "公示时" not in result.stderr
