"""The message catalogue: one entry per problem code, in English and Chinese.

Each message says what is wrong and how to fix it. Templates may use {file},
{sheet}, {row}, {column}, {value} and any extra parameter the check passed.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starcommunity.problems import Problem

CATALOGUE: dict[str, tuple[str, str]] = {
    # code: (English, 中文)
    "unreadable-file": (
        "Cannot read the file ({reason}). Close it in Excel/WPS and check it is not damaged.",
        "无法读取文件（{reason}）。请在Excel/WPS中关闭该文件并确认文件未损坏。",
    ),
    "hidden-sheet": (
        "Sheet '{sheet}' is hidden in Excel; it was read like every other sheet. If it is "
        "an old draft, delete it (or move the workbook out of sheets/).",
        "工作表“{sheet}”在Excel中被隐藏，但与其他工作表一样被读取。如为旧稿，请删除该工作表"
        "（或将该工作簿移出sheets文件夹）。",
    ),
    "csv-delimiter": (
        "The columns are separated by '{value}', not by commas (as Excel's 'Unicode text' "
        "writes them, or a list separator set so); the file was read that way. To be sure, "
        "save it as 'CSV UTF-8 (comma delimited)'.",
        "各列以“{value}”分隔而非逗号（Excel“Unicode文本”或更改了列表分隔符时如此），已按此读取。"
        "稳妥起见，请另存为“CSV UTF-8（逗号分隔）”。",
    ),
    "unsupported-file-type": (
        "Files of type '{value}' are not read, so nothing in this file counts. Open it in "
        "Excel/WPS and save it as .xlsx (Excel workbook) or .csv.",
        "不支持“{value}”类型的文件，其中内容均不会被计入。请在Excel/WPS中打开，"
        "另存为.xlsx（Excel工作簿）或.csv。",
    ),
    "empty-file": (
        "The file is empty. Fill it in or remove it.",
        "文件为空，请填写内容或删除该文件。",
    ),
    "unknown-encoding": (
        "Line {row}: byte {value} is not UTF-8 or GBK. Save the file as 'CSV UTF-8' in Excel.",
        "第{row}行：字节{value}既不是UTF-8也不是GBK编码，请在Excel中另存为“CSV UTF-8”。",
    ),
    "nul-byte": (
        "Line {row} holds a NUL byte: this is not a text file. Save it again as CSV.",
        "第{row}行含有空字节（NUL），不是文本文件，请重新另存为CSV。",
    ),
    "not-a-workbook": (
        "This is not a valid .xlsx workbook. Open it in Excel/WPS and save it again as .xlsx.",
        "不是有效的.xlsx工作簿，请在Excel/WPS中打开后重新另存为.xlsx。",
    ),
    "workbook-too-large": (
        "The workbook would unpack to {value} bytes; it is refused as unsafe. Save it again.",
        "该工作簿解压后达{value}字节，出于安全考虑拒绝读取，请重新保存。",
    ),
    "sheet-too-large": (
        "A sheet has cells as far as {value}: {cells} cells with the blanks, more than the "
        "{limit} read. Split it into several sheets, or delete what stands far below or "
        "right of the table (Ctrl+End finds it), and save again.",
        "有工作表的单元格一直延伸到{value}，连同空白共{cells}个单元格，超过可读取的{limit}个。"
        "请拆分为多个工作表，或删除表格右侧或下方远处的内容（按Ctrl+End可找到）后重新保存。",
    ),
    "csv-odd-line-breaks": (
        "The lines end with the character {value}, which is no line break to a CSV reader: "
        "the file would be read as one line. Save it again as 'CSV UTF-8' in Excel.",
        "各行以字符{value}结尾，CSV读取时不算换行，整个文件会被读成一行。"
        "请在Excel中重新另存为“CSV UTF-8”。",
    ),
    "csv-too-wide": (
        "Line {row} has {value} fields, far more than the other lines: the file would be "
        "{cells} cells with the blanks. Remove the extra separators (or restore lost line "
        "breaks) and save again.",
        "第{row}行有{value}个字段，远多于其他行，整个文件连同空白将达{cells}个单元格。"
        "请删除多余的分隔符（或恢复丢失的换行）后重新保存。",
    ),
    "stray-far-cells": (
        "A sheet reaches as far as {value}, far below or right of its table: {cells} cells "
        "with the blanks, about {filled} filled. Delete the stray cells there (Ctrl+End "
        "finds the last one) and save again.",
        "有工作表一直延伸到{value}，远超出表格范围（连同空白共{cells}个单元格，填写的约{filled}个）。"
        "请删除远处多余的内容（按Ctrl+End可找到最后一个单元格）后重新保存。",
    ),
    "unreadable-sheet": (
        "Cannot read this sheet ({reason}). Copy its cells into a new sheet.",
        "无法读取该工作表（{reason}），请将内容复制到新工作表。",
    ),
    "no-header-row": (
        "No header row found in the first 30 rows. Expected columns: {expected}.",
        "前30行中找不到表头行，应包含以下列：{expected}。",
    ),
    "sheet-without-header": (
        "This sheet was not read: none of its first 30 rows is a header row with "
        "{expected_zh} ({expected}). If it holds scores, add that header row above them; "
        "a sheet of instructions, or holding only a title, may stay as it is.",
        "该工作表未读取：前30行中没有包含{expected_zh}的表头行。如该表有分数，"
        "请在分数上方加上表头行；如为填表说明或只有标题，可保持不变。",
    ),
    "merged-header": (
        "Row {row} is the header row but has merged cells ({value}). Unmerge them so each "
        "column has its own header.",
        "第{row}行为表头行，但含有合并单元格（{value}），请取消合并，使每列有自己的表头。",
    ),
    "table-beside-table": (
        "Row {row}: a second table starts beside the first at column {column} ('{value}'); "
        "it was not read. Put each table on a sheet of its own (one sheet per community).",
        "第{row}行：{column}（“{value}”）起是与第一个表格并排的另一个表格，未读取。"
        "请把每个表格放在单独的工作表中（每个社区一个工作表）。",
    ),
    "other-header-row": (
        "Row {row} is the header row of another table ('{value}'), whose columns differ from "
        "those of the header in row {header_row}; the {rows} row(s) from here on were not "
        "read. Put each table on a sheet of its own, or give it the same columns in the "
        "same order as the first.",
        "第{row}行是另一个表格的表头（“{value}”），其列与第{header_row}行的表头不同，"
        "自该行起的{rows}行未读取。请把每个表格放在单独的工作表中，"
        "或使其列及顺序与第一个表格相同。",
    ),
    "header-over-rows": (
        "The header is written over rows {first}-{last} (merged cells {value}); it must be one "
        "row. Unmerge these cells and put every column's header in one row: 社区编号, "
        "评分组, 评分人编号 beside the item names. A category row (一、组织建设) may stay "
        "above it.",
        "表头占了第{first}至{last}行（合并单元格{value}），表头只能占一行。请取消这些单元格的合并，"
        "把每列的列名写在同一行：社区编号、评分组、评分人编号与各指标名称并列。"
        "类别行（如“一、组织建设”）可以保留在其上方。",
    ),
    "merged-data-cells": (
        "Cells {value} are merged: only the first cell of each holds the value, the others "
        "are read as blank. Unmerge them and fill in every cell.",
        "单元格{value}为合并单元格：只有左上角单元格有值，其余按空白读取。请取消合并并逐格填写。",
    ),
    "missing-column": (
        "The header in row {row} has no column '{expected}'. Add it (Chinese headers work too).",
        "第{row}行表头缺少“{expected}”列，请补上（可用中文表头）。",
    ),
    "text-normalised": (
        "Row {row}, {column}: '{value}' was read as '{normalised}' (full-width or special "
        "characters, such as a non-breaking space, made plain).",
        "第{row}行{column}：“{value}”按“{normalised}”读取（全角字符或不间断空格等特殊字符已转为普通字符）。",
    ),
    "number-as-text": (
        "Row {row}, {column}: '{value}' is a number stored as text; it was read as a number.",
        "第{row}行{column}：“{value}”是以文本形式存储的数字，已按数字读取。",
    ),
    "id-number-lost-zeros": (
        "Row {row}, {column}: {value} is stored as a number, beside IDs with leading zeros "
        "such as {example}; Excel drops them from numbers, so it may have been {padded}. "
        "Format the column as Text and type the ID again.",
        "第{row}行{column}：{value}以数字形式存储，而同列其他编号有前导0（如{example}）；"
        "Excel会去掉数字开头的0，该编号可能原为{padded}。请将该列设置为“文本”格式后重新输入。",
    ),
    "bad-eligible": (
        "Row {row}, {column}: '{value}' is not yes/no, so it is not known whether this "
        "resident may be drawn. Write 是 or 否 (or true/false, 1/0; blank means 是); a "
        "reason such as 已故, 迁出 or 外出 belongs in a column of its own.",
        "第{row}行{column}：“{value}”不是“是/否”，无法确定该居民能否参加抽取。请填写“是”或“否”"
        "（空白视为“是”）；已故、迁出、外出等原因请写在另外一列。",
    ),
    "bad-role": (
        "Row {row}, {column}: '{value}' is not a role. Write rep or alternate (代表/候补).",
        "第{row}行{column}：“{value}”不是有效身份，请填写“代表”或“候补”。",
    ),
    "missing-file": (
        "The year folder has no {kind} file ({file} or .xlsx). Add it.",
        "年度文件夹中缺少{kind}文件（{file}或.xlsx），请补充。",
    ),
    "ambiguous-file": (
        "More than one {kind} file: {file}. Keep only one.",
        "存在多个{kind}文件：{file}，请只保留一个。",
    ),
    "scheme-unreadable": (
        "scheme.toml cannot be read: {reason}",
        "scheme.toml 无法读取：{reason}",
    ),
    "scheme-not-utf8": (
        "scheme.toml is saved in GBK, not UTF-8; it was read as GBK. Save it as UTF-8 "
        "(Notepad: Save As, Encoding: UTF-8).",
        "scheme.toml为GBK编码而非UTF-8，已按GBK读取。请另存为UTF-8编码（记事本：另存为，编码选UTF-8）。",
    ),
    "scheme-bad-value": (
        "scheme.toml: {column} = {value} is not allowed. See the sample scheme.toml.",
        "scheme.toml：{column} = {value} 取值无效，请参照样例scheme.toml。",
    ),
    "scheme-unknown-key": (
        "scheme.toml: '{column}' is not a setting, so it was not applied (a misspelling?). "
        "Known here: {known}. See the sample scheme.toml.",
        "scheme.toml：“{column}”不是可用的设置项，未被采用（是否拼写有误？）。"
        "此处可用：{known}。请参照样例scheme.toml。",
    ),
    "thresholds-out-of-order": (
        "scheme.toml: the [stars] minimum totals ({value}) must not rise from five stars to "
        "four to three: a level would go to nobody. Fix five, four and three in [stars].",
        "scheme.toml：[stars]中各星级最低分（{value}）应为五星≥四星≥三星，否则某一星级无人可得。"
        "请修改[stars]中的five、four、three。",
    ),
    "office-raters-too-many": (
        "scheme.toml names {value} office raters in office_raters, but [raters] office = "
        "{expected}: the forms would list all {value}, and a sheet scored by all of them "
        "fails wrong-rater-count. Make the two agree.",
        "scheme.toml的office_raters列出{value}名办事处评分人，但[raters] office = {expected}："
        "评分表会列出全部{value}人，全部打分后将因人数不符而不能通过校验。请使两处一致。",
    ),
    "timeline-reversed": (
        "scheme.toml: {column} = {value} starts after it ends. Write the first day first.",
        "scheme.toml：{column} = {value} 开始日期晚于结束日期，请把开始日期写在前面。",
    ),
    "unknown-group": (
        "Row {row}, {column}: '{value}' is not a rater group. Use committee, office or "
        "residents (区农委、办事处、居民代表).",
        "第{row}行{column}：“{value}”不是评分组，请填写“区农委”“办事处”或“居民代表”。",
    ),
    "weights-not-one": (
        "The weights add up to {value}, not 1. Fix [weights] in scheme.toml.",
        "权重合计为{value}，不等于1，请修改scheme.toml中的[weights]。",
    ),
    "unknown-star-policy": (
        "Star policy '{value}' is unknown. Use thirds, shares or thresholds.",
        "星级办法“{value}”无效，请使用thirds、shares或thresholds。",
    ),
    "max-points-not-number": (
        "Row {row}, {column}: maximum points '{value}' is not a number. Enter a number.",
        "第{row}行{column}：分值“{value}”不是数字，请填写数字。",
    ),
    "max-points-not-positive": (
        "Row {row}, {column}: maximum points {value} must be more than 0.",
        "第{row}行{column}：分值{value}必须大于0。",
    ),
    "criteria-total-not-100": (
        "The criteria add up to {value} points, not 100. Check the 分值 column.",
        "评估标准分值合计为{value}分，不是100分，请核对“分值”列。",
    ),
    "reserved-item-id": (
        "Row {row}, {column}: '{value}' cannot be an item id: score sheets use that name for "
        "their own column. Give the item another id (A1, B2 ...).",
        "第{row}行{column}：“{value}”不能用作指标编号，评分表已用该名称作为自身的列名，"
        "请改用其他编号（如A1、B2）。",
    ),
    "duplicate-item": (
        "Row {row}, {column}: item '{value}' is listed more than once "
        "(first in row {first}{first_at}). "
        "Give each item its own id.",
        "第{row}行{column}：指标“{value}”重复（首次出现在{first_at}第{first}行），请使用不同的指标编号。",
    ),
    "duplicate-item-name": (
        "Row {row}, {column}: item {item} has the name '{value}', as item {other} (row "
        "{first}) has: a score column headed by this name fits neither. Head such columns "
        "with the item id, or give the items different names.",
        "第{row}行{column}：指标{item}的名称“{value}”与指标{other}（第{first}行）相同，"
        "以该名称作列名的评分列无法对应。请用指标编号作列名，或把两个指标改为不同的名称。",
    ),
    "ambiguous-item-column": (
        "Column {column}: '{value}' is the name of several items of the criteria ({items}), "
        "so the column fits none of them. Head it with the item id.",
        "{column}：“{value}”是评估标准中多个指标（{items}）的名称，无法确定对应哪一个，"
        "请改用指标编号作列名。",
    ),
    "repeated-header-row": (
        "Row {row} repeats the header row; it holds no data and was skipped. Delete it.",
        "第{row}行重复了表头行，不含数据，已跳过，请删除该行。",
    ),
    "totals-row": (
        "Row {row} sums up the rows above ('{value}'); it was left out, as the tool adds "
        "up the scores itself. Delete it.",
        "第{row}行是汇总行（“{value}”），已不计入：本工具自行汇总分数。请删除该行。",
    ),
    "rater-without-scores": (
        "Row {row}: rater '{value}' has no score in any item column. Enter their scores, "
        "or delete the row if they did not score (a blank is not a zero).",
        "第{row}行：评分人“{value}”所有指标均无分数。请补填分数；如该评分人未评分，请删除该行"
        "（空白不等于0分）。",
    ),
    "row-without-scores": (
        "Row {row} has no score in any item column and names no rater ('{value}'): a "
        "title or a note, so it was left out. Delete it, or give it its rater and scores.",
        "第{row}行所有指标均无分数，也没有评分人编号（“{value}”），按标题或备注处理，不计入。"
        "请删除该行，或补填评分人编号及分数。",
    ),
    "footer-row": (
        "Row {row} is a note or signature line under the table ('{value}'); it was left "
        "out, as it holds no scores. It may stay.",
        "第{row}行是表格下方的说明或签字行（“{value}”），不含分数，已不计入，可以保留。",
    ),
    "unknown-item": (
        "Column {column}: '{value}' is not an item of the criteria. Head each score column "
        "with an item id or item name from criteria, or remove the column.",
        "{column}：“{value}”不是评估标准中的指标，请用指标编号或指标名称作列名，或删除该列。",
    ),
    "missing-item-column": (
        "The sheet has no column for item '{value}'. Add it (head it with the item id or name).",
        "该表缺少指标“{value}”的列，请补上（以指标编号或名称作列名）。",
    ),
    "score-blank": (
        "Row {row}, {column}: the score is blank. Enter a score (0 is a score; blank is "
        "not).{hint}",
        "第{row}行{column}：得分为空，请填写分数（0分也需填写）。{hint}",
    ),
    "score-not-number": (
        "Row {row}, {column}: '{value}' is not a number. Enter a score as a number.{hint}",
        "第{row}行{column}：“{value}”不是数字，请填写数字分数。{hint}",
    ),
    "score-below-zero": (
        "Row {row}, {column}: the score {value} is below 0. Scores run from 0 to {max}.",
        "第{row}行{column}：{named}得分{value}低于0分，请填写0到{max}之间的分数。",
    ),
    "score-above-max": (
        "Row {row}, {column}: the score {value} is above the maximum {max}. Check it.",
        "第{row}行{column}：{named}得分{value}超过满分{max}分，请核对后填写0到{max}之间的分数。",
    ),
    "too-many-problems": (
        "{value} cells in column {column} have this problem; the first {shown} are listed.",
        "{column}共有{value}个单元格存在此问题，仅列出前{shown}个。",
    ),
    "blank-value": (
        "Row {row}, {column} is blank. Fill it in.",
        "第{row}行{column}为空，请填写。",
    ),
    "duplicate-community": (
        "Row {row}, {column}: community '{value}' is listed twice "
        "(first in row {first}{first_at}).",
        "第{row}行{column}：社区“{value}”重复（首次出现在{first_at}第{first}行）。",
    ),
    "no-communities": (
        "No communities are listed. Fill in communities.csv.",
        "没有参评社区，请填写社区名单。",
    ),
    "no-criteria": (
        "No criteria items are listed. Fill in criteria.csv.",
        "没有评估指标，请填写评估标准。",
    ),
    "unknown-community": (
        "Row {row}, {column}: community '{value}' is not in communities. Correct the id or "
        "add the community.{hint}",
        "第{row}行{column}：社区“{value}”不在参评社区名单中，请更正编号或补充社区。{hint}",
    ),
    "duplicate-resident": (
        "Row {row}, {column}: resident '{value}' appears twice in community {community} "
        "(first in row {first}{first_at}). Keep one of the two rows.",
        "第{row}行{column}：居民“{value}”在社区{community}中重复出现（首次出现在{first_at}第{first}行），"
        "请只保留一行。",
    ),
    "rep-not-in-roster": (
        "Row {row}, {column}: representative '{value}' is not in the roster of {community}.{hint}",
        "第{row}行{column}：代表“{value}”不在{community}社区的居民名册中。{hint}",
    ),
    "duplicate-rep": (
        "Row {row}, {column}: resident '{value}' is drawn twice for {community} (first in "
        "row {first}{first_at}).",
        "第{row}行{column}：居民“{value}”在{community}社区被重复抽取"
        "（首次出现在{first_at}第{first}行）。",
    ),
    "unknown-flag": (
        "Row {row}, {column}: '{value}' is not one of the six disqualifying events. Use a code "
        "(major_accident ...) or the plan's wording (发生重大安全事故 ...).",
        "第{row}行{column}：“{value}”不是六种取消资格情形之一，请使用方案中的表述（如“发生重大安全事故”）。",
    ),
    "flag-other-year": (
        "Row {row}, {column}: this event is dated {value}, not in {year}; it still "
        "disqualifies {community} for {year}. If it belongs to another year, move it to "
        "that year's flags file.",
        "第{row}行{column}：该事件日期为{value}，不在{year}年内，但仍将取消{community}社区"
        "{year}年的评选资格。如属其他年份，请移到该年份的flags文件中。",
    ),
    "bad-date": (
        "Row {row}, {column}: '{value}' is not a date. Write it as 2008-12-01.",
        "第{row}行{column}：“{value}”不是日期，请写成2008-12-01的格式。",
    ),
    "date-outside-window": (
        "Row {row}, {column}: {value} is outside the {group} scoring window {start} to {end}.",
        "第{row}行{column}：{value}不在{group}打分时间{start}至{end}之内。",
    ),
    "duplicate-rater": (
        "Row {row}, {column}: rater '{value}' scores {community} ({group}) more than once "
        "(also row {first}{first_at}). Remove the extra row.",
        "第{row}行{column}：评分人“{value}”对{community}（{group}）重复打分（另见{first_at}第{first}行），"
        "请删除多余的行。",
    ),
    "rater-not-drawn": (
        "Row {row}, {column}: resident rater '{value}' is not a drawn representative or "
        "alternate of {community}. Check the id against reps.csv.{hint}",
        "第{row}行{column}：居民评分人“{value}”不是{community}社区抽取的代表或候补，请对照reps.csv核对。"
        "{hint}",
    ),
    "wrong-rater-count": (
        "{community}: the {group} group has {value} raters; {expected} are required.",
        "{community}社区：{group}评分人数为{value}人，应为{expected}人。"
        "请核对评分表：补上漏填的评分人，或删除多余、重复的行。",
    ),
    "group-missing": (
        "{community}: no {group} scores yet. The community cannot be ranked until they arrive.",
        "{community}社区：尚无{group}的评分，收齐前无法排名。",
    ),
    "no-score-sheets": (
        "No score sheets under sheets/ yet.",
        "sheets/文件夹中尚无评分表。",
    ),
    "straight-lining": (
        "Row {row}: rater '{value}' gave every item {kind}. Check the sheet was filled in "
        "honestly.",
        "第{row}行：评分人“{value}”所有指标均{kind}，请核实是否认真打分。",
    ),
    "outlier-rater": (
        "Row {row}: rater '{value}' total {total} stands far from the {group} group of "
        "{community} (modified z-score {z}).",
        "第{row}行：评分人“{value}”总分{total}明显偏离{community}社区{group}组其他评分人（修正Z值{z}）。",
    ),
    "duplicate-flag": (
        "Row {row}, {column}: '{value}' is listed twice for community {community} "
        "(first in row {first}{first_at}); it disqualifies once. Delete one of the rows.",
        "第{row}行{column}：社区{community}的取消资格情形“{value}”重复（首次出现在{first_at}第{first}行），"
        "只计一次，请删除其中一行。",
    ),
    # history, when no year under --root can be ranked (value: the year folder)
    "year-not-valid": (
        "Year {value} does not validate, so it cannot be ranked. Run `{command}` to see "
        "its errors.",
        "{value}年校验未通过，无法排名。请运行 {command} 查看其中的错误。",
    ),
    "year-incomplete": (
        "Year {value} is incomplete (not every community has the score sheets of every "
        "group from as many raters as the scheme requires), so it cannot be ranked. Run "
        "`{command}` to see what is missing.",
        "{value}年评分未齐（并非每个社区各组评分表均已齐全、评分人数达到方案要求），无法排名。"
        "请运行 {command} 查看缺少的内容。",
    ),
    "year-not-read": (
        "The folder of year {value} could not be read, so it cannot be ranked. Run "
        "`{command}` to see why.",
        "无法读取{value}年的文件夹，无法排名。请运行 {command} 查看原因。",
    ),
    "folder-not-a-year": (
        "Folder '{value}' was not read: only folders named by the year alone, such as "
        "2010, are. If it holds a year's data, rename it to the year.",
        "未读取文件夹“{value}”：只读取以年份本身命名的文件夹，如2010。如是某一年的数据，"
        "请将文件夹改名为该年份。",
    ),
}

GENERIC = (
    "Problem '{code}' at row {row}, column {column}, value '{value}'.",
    "问题“{code}”：第{row}行，{column}，值“{value}”。",
)


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def default_lang() -> str:
    for variable in ("STARCOMMUNITY_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def render(problem: Problem, lang: str = "en") -> str:
    english, chinese = CATALOGUE.get(problem.code, GENERIC)
    template = chinese if lang == "zh" else english
    fields = _Blank(
        code=problem.code,
        file=problem.file or "",
        sheet=problem.sheet or "",
        row=problem.row if problem.row is not None else "?",
        column=problem.column or "",
        value="" if problem.value is None else problem.value,
    )
    fields.update(problem.params)
    fields["first_at"] = _first_at(fields, lang)
    fields["hint"] = _hint(fields, lang)
    for key, value in fields.items():
        if isinstance(value, float):
            fields[key] = f"{value:g}" if abs(value) < 1e15 else str(value)
    if "name" not in fields and problem.column:
        fields["name"] = problem.column.rsplit(" (", 1)[0]
    # the item's name when the column is headed by something else (its id, A2)
    header = (problem.column or "").rsplit(" (", 1)[0]
    fields["named"] = f"“{fields['name']}”" if "name" in fields and fields["name"] != header else ""
    if lang == "zh" and problem.column:
        fields["column"] = column_zh(problem.column)
    if "group" in fields and lang == "zh":
        from starcommunity.model import GROUP_NAMES_ZH

        fields["group"] = GROUP_NAMES_ZH.get(str(fields["group"]), fields["group"])
    return template.format_map(fields)


_HEADER_AND_LETTER = re.compile(r"(.*) \(([A-Z]{1,3})\)")
_LETTER = re.compile(r"[A-Z]{1,3}")


def column_zh(column: str) -> str:
    """A column as a Chinese sentence names it: '居委会依法选举 (F)' -> '居委会依法选举（F列）',
    a bare letter 'AC' -> 'AC列'; anything else (a scheme key) as it is."""
    match = _HEADER_AND_LETTER.fullmatch(column)
    if match:
        return f"{match.group(1)}（{match.group(2)}列）"
    if _LETTER.fullmatch(column):
        return f"{column}列"
    return column


def _first_at(fields: dict[str, Any], lang: str) -> str:
    """Where a duplicate's first copy stands when not in the same sheet of the same file."""
    if "first_file" not in fields:
        return ""
    file, sheet = fields["first_file"], fields.get("first_sheet")
    if lang == "zh":
        return f"{file}工作表“{sheet}”" if sheet else f"{file}"
    return f" of sheet '{sheet}' in {file}" if sheet else f" of {file}"


# Why a value was likely meant as `suggest` (the check's `suggest_why`) -> the hint, in
# English and Chinese; {near} is the suggestion. Without a reason: "Did you mean".
HINTS: dict[str, tuple[str, str]] = {
    "zeros": (
        " Did you mean {near}? Excel may have dropped its leading zeros: store the cell "
        "as text (format the column as Text, or type an apostrophe first: '{near}).",
        "是否应为{near}？Excel可能去掉了编号开头的0：请把该单元格存为文本"
        "（将该列设置为“文本”格式，或先输入英文单引号再输入：'{near}）。",
    ),
    "decimal-comma": (
        " Did you mean {near}? Use a point for decimals, not a comma.",
        "是否应为{near}？小数点请用英文句点“.”，不要用逗号。",
    ),
    "unit": (
        " Write the number alone, without 分 or another unit: {near}.",
        "请只填写数字，不要带“分”等单位：{near}。",
    ),
    "percent": (
        " Scores are points, not a percent: enter the points this item earns, without %.",
        "得分按分值填写，不是百分比：请填写该项所得分数，不要带%。",
    ),
    "formula": (
        " This cell holds a formula ({near}) with no saved value: open the file in Excel "
        "or WPS and save it.",
        "该单元格是公式（{near}），但没有保存计算结果：请用Excel或WPS打开该文件并保存。",
    ),
}
DID_YOU_MEAN = (" Did you mean {near}?", "是否应为{near}？")


def _hint(fields: dict[str, Any], lang: str) -> str:
    """What a value was likely meant to be (the check passes it as `suggest`, and why
    as `suggest_why`): a known ID, a number as typed; empty when there is none."""
    if "suggest" not in fields:
        return ""
    english, chinese = HINTS.get(str(fields.get("suggest_why")), DID_YOU_MEAN)
    return (chinese if lang == "zh" else english).format(near=fields["suggest"])
