"""Aiken: the plain-text format Moodle reads for choice questions.

    安全电压额定值等级不包括：
    A. 42 V
    B. 50 V
    ANSWER: B

Questions are separated by blank lines. Aiken knows only single choice; an answer
of several letters ("ANSWER: AC") is read as multiple choice, as Chinese banks write
it. True/false questions cannot be expressed and are left out of an export (the
exporter says how many). Line numbers point at a question's first line; the
operation type comes from the import's default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from .records import (
    MULTIPLE,
    SINGLE,
    TRUE_FALSE,
    FileProblem,
    ParseResult,
    QuestionRecord,
    RowProblem,
    blank_line_blocks,
    build_record,
    check_count,
    decode_text,
)

CONTENT_TYPE = "text/plain; charset=utf-8"
_OPTION = re.compile(r"^([A-Ha-h])\s*[.．、)）]\s*(.*)$")
_ANSWER = re.compile(r"^(?:ANSWER|答案)\s*[:：]\s*(.*)$", re.IGNORECASE)


def _record(start: int, lines: list[str]) -> QuestionRecord:
    stem_lines: list[str] = []
    options: list[str] = []
    answer: str | None = None
    for offset, line in enumerate(lines):
        answer_match = _ANSWER.match(line)
        if answer_match:
            if offset != len(lines) - 1:
                raise RowProblem(_("ANSWER 行之后不应再有内容；题与题之间请空一行。"))
            answer = answer_match.group(1)
        elif _OPTION.match(line) and (options or stem_lines):
            options.append(line)
        elif options:
            raise RowProblem(_("第 %(line)s 行既不是选项也不是 ANSWER 行。") % {"line": start + offset})
        else:
            stem_lines.append(line)
    if answer is None:
        raise RowProblem(_("缺少“ANSWER: 字母”行。"))
    letters = [letter for letter in re.split(r"[\s,，、]+", answer.upper()) if letter]
    many = len(letters) > 1 or (len(letters) == 1 and len(letters[0]) > 1)
    return build_record(
        start,
        kind=MULTIPLE if many else SINGLE,
        stem="\n".join(stem_lines),
        options=options,
        answer=answer,
        numbered_stem=True,
    )


def read(data: bytes) -> ParseResult:
    text = decode_text(data)
    result = ParseResult()
    for count, (start, lines) in enumerate(blank_line_blocks(text, strip=True), start=1):
        check_count(count)
        try:
            result.records.append(_record(start, lines))
        except RowProblem as problem:
            result.add_problem(start, problem)
    if not result.records and not result.errors:
        raise FileProblem(_("文件中没有试题。"))
    return result


def write(records: Iterable[QuestionRecord]) -> tuple[bytes, int]:
    """The Aiken text and how many true/false questions had to be left out."""
    parts = []
    left_out = 0
    for record in records:
        if record.kind == TRUE_FALSE:
            left_out += 1
            continue
        stem = " ".join(record.stem.split("\n"))
        options = [f"{key}. {' '.join(text.split())}" for key, text in record.options]
        parts.append("\n".join([stem, *options, f"ANSWER: {''.join(record.answer)}"]))
    return ("\n\n".join(parts) + "\n").encode("utf-8"), left_out
