"""One report type for every problem the tool finds, with stable codes.

Core functions never raise on bad input; they append :class:`Problem` rows to a
:class:`Report` and go on, so a clerk sees every mistake in one run.
Messages come from :mod:`starcommunity.messages`, keyed by the problem code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
_LETTER = re.compile(r"\(([A-Z]{1,3})\)$")


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    severity: Severity
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # as the user sees it in Excel or an editor (1-based)
    column: str | None = None  # the header as written, with the Excel letter when known
    value: Any = None
    params: tuple[tuple[str, Any], ...] = ()  # extra values for the message template

    def message(self, lang: str = "en") -> str:
        from starcommunity.messages import render

        return render(self, lang)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        # Built by hand: dataclasses.asdict deep-copies, which a 100,000-problem report feels.
        return {
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": _jsonable(self.value),
            "cell": self.cell,
            "message": self.message(lang),
        }

    @property
    def cell(self) -> str | None:
        """The Excel address ('D7') when both the column letter and the row are known."""
        match = _LETTER.search(self.column or "")
        if match is None or self.row is None:
            return None
        return f"{match.group(1)}{self.row}"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if value != value or abs(value) == float("inf"):
            return str(value)
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    return str(value)


@dataclass
class Report:
    """Every problem found, errors and warnings, in the order they were found."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        code: str,
        *,
        severity: Severity = "error",
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        **params: Any,
    ) -> None:
        self.problems.append(
            Problem(
                code=code,
                severity=severity,
                file=file,
                sheet=sheet,
                row=row,
                column=column,
                value=value,
                params=tuple(sorted(params.items())),
            )
        )

    def warn(self, code: str, **kwargs: Any) -> None:
        self.add(code, severity="warning", **kwargs)

    def extend(self, other: Report) -> None:
        self.problems.extend(other.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [p.to_dict(lang) for p in self.errors],
            "warnings": [p.to_dict(lang) for p in self.warnings],
        }


def excel_column_letter(index: int) -> str:
    """0-based column index to Excel letters: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
