"""GIFT, Moodle's text format: ``::title:: stem {=right ~wrong ####explanation}``.

Single choice (one "="), multiple choice (weights ``~%50%``), true/false (``{T}``,
``{FALSE}``) are read; other GIFT types (short answer, numeric, matching, essay) are
reported as not supported. Our own metadata rides in comment lines just before a
question, which other GIFT readers ignore::

    // @operation_types: 0102
    // @knowledge_point: 安全电压
    // @difficulty: 2

Line numbers point at a question's first line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from .html_text import html_to_text, text_to_html
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
_SPECIAL = "~=#{}:"
_META = re.compile(r"^//\s*@(operation_types|knowledge_point|difficulty)\s*:\s*(.*)$")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_FORMAT = re.compile(r"^\[(html|plain|markdown|moodle)\]", re.IGNORECASE)
_TITLE = re.compile(r"^::(.*?)::", re.DOTALL)


def _unescape(text: str) -> str:
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following in _SPECIAL or following == "\\":
                out.append(following)
                index += 2
                continue
            if following == "n":
                out.append("\n")
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in _SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _split_unescaped(text: str, markers: str) -> list[tuple[str, str]]:
    """Split at unescaped marker characters: [(marker, text after it), …]."""
    parts: list[tuple[str, str]] = []
    current: list[str] = []
    marker = ""
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char in markers:
            if marker or "".join(current).strip():
                parts.append((marker, "".join(current)))
            marker, current = char, []
        else:
            current.append(char)
        index += 1
    if marker or "".join(current).strip():
        parts.append((marker, "".join(current)))
    return parts


def _find_unescaped(text: str, char: str, start: int = 0) -> int:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == char:
            return index
        index += 1
    return -1


def _text_of(raw: str, html_format: bool) -> str:
    text = _unescape(raw.strip())
    return html_to_text(text) if html_format else text.strip()


def _record(start: int, lines: list[str]) -> QuestionRecord:
    meta: dict[str, str] = {}
    body_lines = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("//"):
            match = _META.match(stripped)
            if match:
                meta[match.group(1)] = match.group(2).strip()
            continue
        if stripped.startswith("$CATEGORY:"):
            continue
        body_lines.append(line)
    body = "\n".join(body_lines).strip()
    title = _TITLE.match(body)
    if title:
        body = body[title.end() :].lstrip()
    html_format = False
    format_match = _FORMAT.match(body)
    if format_match:
        html_format = format_match.group(1).lower() == "html"
        body = body[format_match.end() :]
    opening = _find_unescaped(body, "{")
    closing = _find_unescaped(body, "}", opening + 1) if opening >= 0 else -1
    if opening < 0 or closing < 0:
        raise RowProblem(_("缺少用 { } 括起来的答案部分。"))
    after = body[closing + 1 :].strip()
    stem_raw = body[:opening].rstrip() + (" ____ " + after if after else "")
    answers = body[opening + 1 : closing].strip()
    explanation = ""
    general = answers.find("####")
    if general >= 0:
        explanation = _text_of(answers[general + 4 :], html_format)
        answers = answers[:general].strip()
    stem = _text_of(stem_raw, html_format)
    common: dict[str, Any] = {
        "stem": stem,
        "explanation": explanation,
        "knowledge_point": meta.get("knowledge_point", ""),
        "difficulty": meta.get("difficulty", ""),
        "operation_types": meta.get("operation_types", ""),
    }
    word = answers.split("#", 1)[0].strip().upper()
    if word in {"T", "TRUE", "F", "FALSE"}:
        return build_record(start, kind=TRUE_FALSE, options=[], answer=word[0], **common)
    if not answers:
        raise RowProblem(_("不支持的 GIFT 题型（问答题）。"))
    if answers.startswith("#"):
        raise RowProblem(_("不支持的 GIFT 题型（数值题）。"))
    if "->" in answers:
        raise RowProblem(_("不支持的 GIFT 题型（匹配题）。"))
    parts = _split_unescaped(answers, "=~")
    if not parts or any(marker == "" for marker, _raw in parts):
        raise RowProblem(_("答案部分格式错误：每个选项应以 = 或 ~ 开头。"))
    options: list[tuple[str, str]] = []
    correct: list[str] = []
    weighted = False
    for index, (marker, raw) in enumerate(parts):
        key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index] if index < 26 else "?"
        text = raw
        weight_match = _WEIGHT.match(text.strip())
        if weight_match:
            weighted = True
            text = text.strip()[weight_match.end() :]
        feedback = _find_unescaped(text, "#")
        if feedback >= 0:
            text = text[:feedback]
        options.append((key, _text_of(text, html_format)))
        is_correct = marker == "=" or (weight_match is not None and float(weight_match.group(1)) > 0)
        if is_correct:
            correct.append(key)
    if not any(marker == "~" for marker, _raw in parts):
        raise RowProblem(_("不支持的 GIFT 题型（填空题）：没有错误选项（~）。"))
    kind = MULTIPLE if weighted or len(correct) > 1 else SINGLE
    if not correct:
        raise RowProblem(_("没有标出正确选项（= 或正权重）。"))
    if len(options) > 8:
        raise RowProblem(_("选择题应有 2 到 8 个选项，实际有 %(count)s 个。") % {"count": len(options)})
    return build_record(start, kind=kind, options=tuple(options), answer="".join(correct), **common)


def read(data: bytes) -> ParseResult:
    text = decode_text(data)
    result = ParseResult()
    count = 0
    for start, lines in blank_line_blocks(text, strip=False):
        if all(line.strip().startswith(("//", "$CATEGORY:")) for line in lines):
            continue
        count += 1
        check_count(count)
        try:
            result.records.append(_record(start, lines))
        except RowProblem as problem:
            result.add_problem(start, problem)
    if not result.records and not result.errors:
        raise FileProblem(_("文件中没有试题。"))
    return result


def _weight(count: int) -> str:
    return f"{100 / count:.5f}".rstrip("0").rstrip(".")


def write(records: Iterable[QuestionRecord]) -> bytes:
    blocks = []
    for number, record in enumerate(records, start=1):
        lines = []
        if record.operation_types:
            lines.append(f"// @operation_types: {'、'.join(record.operation_types)}")
        if record.knowledge_point:
            lines.append(f"// @knowledge_point: {' '.join(record.knowledge_point.split())}")
        lines.append(f"// @difficulty: {record.difficulty}")
        feedback = f"####{_escape(text_to_html(record.explanation))}" if record.explanation else ""
        head = f"::Q{number}::[html]{_escape(text_to_html(record.stem))} {{"
        if record.kind == TRUE_FALSE:
            lines.append(f"{head}{'TRUE' if record.answer == ('T',) else 'FALSE'}{feedback}}}")
        else:
            lines.append(head)
            for key, text in record.options:
                option = _escape(text_to_html(text))
                if record.kind == SINGLE:
                    lines.append(f"\t{'=' if key in record.answer else '~'}{option}")
                elif key in record.answer:
                    lines.append(f"\t~%{_weight(len(record.answer))}%{option}")
                else:
                    lines.append(f"\t~%-100%{option}")
            if feedback:
                lines.append(f"\t{feedback}")
            lines.append("}")
        blocks.append("\n".join(lines))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")
