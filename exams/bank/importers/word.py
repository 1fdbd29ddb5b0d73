"""Word documents (.docx), as training organisations write their banks::

    一、判断题
    1. 电气设备着火时，可以直接用水扑救。（ ）
    答案：错误
    二、单项选择题
    2、我国安全电压额定值等级不包括（ ）。
    A. 42 V   B. 36 V   C. 50 V
    【答案】C
    解析：……

Numbered stems ("1." "1、" "（1）" "第1题"; unnumbered ones after a finished question
too), options on their own lines or several on one line, answer lines (答案： / 【答案】 /
正确答案:), optional 解析 lines, section headings that give the kind (a question without
one takes its kind from its answer), a "（√）" at the end of a true/false stem, and
pictures inside a question, kept as its image. A document whose questions sit in a table
with a header row is read like a spreadsheet. Numbers in messages are paragraph numbers.

Our exports add 操作项目 / 知识点 / 难度 lines after each question, which the reader
reads back; a 操作项目 line before the first question applies to the whole document.
The document is read from its XML directly (python-docx opens the package, with entity
resolution off), after its unpacked size is checked, so a zip bomb is refused unread.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .options import options_inside
from .records import (
    KIND_EXPORT_NAMES,
    MAX_QUESTIONS,
    TRUE_FALSE,
    TRUE_FALSE_EXPORT,
    FileProblem,
    ParseResult,
    QuestionImage,
    QuestionRecord,
    RowError,
    RowProblem,
    build_record,
    check_count,
    check_image,
    is_kind_name,
)

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_V_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"

_QUESTION_START = re.compile(r"^\s*(?:第\s*\d+\s*题\s*[.．、:：]?|\d+\s*[.．、)）](?!\d)|[(（]\s*\d+\s*[)）])\s*")
_SECTION = re.compile(r"^\s*(?:第?[一二三四五六七八九十百千零]+(?:部分|大题)?\s*[、.．:：]?|[IVX]+\s*[.．、])\s*(.+)$")
_OPTION_START = re.compile(r"^\s*(?:[(（]\s*[A-HＡ-Ｈ]\s*[)）]|[A-HＡ-Ｈ]\s*[.．、:：)）])")
_ANSWER = re.compile(r"^\s*(?:【\s*(?:正确|标准|参考)?答案\s*】|(?:正确|标准|参考)?答案\s*[:：]?)\s*(.*)$")
_ANSWER_INSIDE = re.compile(r"(?:【\s*(?:正确|标准|参考)?答案\s*】|(?:正确|标准|参考)?答案\s*[:：])\s*(.*)$")
_EXPLANATION_INSIDE = re.compile(r"(?:【\s*(?:答案|试题)?解析\s*】|(?:答案|试题)?解析\s*[:：])")
_EXPLANATION = re.compile(r"^\s*(?:【\s*(?:答案|试题)?解析\s*】|(?:答案|试题)?解析\s*[:：])\s*(.*)$")
_META = re.compile(r"^\s*(操作项目|作业种类|工种|知识点|章节|难度)\s*[:：]\s*(.*)$")
_TRAILING_MARK = re.compile(r"[(（]\s*([√×✓✗✔✘对错])\s*[)）]\s*[。.]?\s*$")
_META_FIELDS = {"操作项目": "operation_types", "作业种类": "operation_types", "工种": "operation_types"}
_META_FIELDS.update({"知识点": "knowledge_point", "章节": "knowledge_point", "难度": "difficulty"})


@dataclass
class _Paragraph:
    number: int
    lines: list[str]
    images: list[str]


@dataclass
class _Question:
    line: int
    kind: str
    stem: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    answer: str | None = None
    explanation: list[str] | None = None
    meta: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.answer is not None


def _check_package(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
        raise FileProblem(_("不是有效的 Word（.docx）文件。")) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(_("Word 文件解压后过大，拒绝读取。"))


def _open(data: bytes):
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    _check_package(data)
    try:
        return Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, zlib.error, SyntaxError) as exc:
        raise FileProblem(_("不是有效的 Word（.docx）文件。")) from exc
    except Exception as exc:  # noqa: BLE001 - lxml raises its own errors for damaged XML
        raise FileProblem(_("Word 文件已损坏，无法读取。")) from exc


def _paragraph(element, number: int) -> _Paragraph:
    parts: list[str] = []
    images: list[str] = []
    for node in element.iter():
        tag = node.tag
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag == _A_BLIP and node.get(f"{_R}embed"):
            images.append(node.get(f"{_R}embed"))
        elif tag == _V_IMAGEDATA and node.get(f"{_R}id"):
            images.append(node.get(f"{_R}id"))
    text = "".join(parts).replace("\xa0", " ").replace("\u3000", " ")
    return _Paragraph(number, [line.strip() for line in text.split("\n") if line.strip()], images)


def _body(document) -> tuple[list[_Paragraph], list[list[list[str]]]]:
    paragraphs, tables = [], []
    number = 0
    for element in document.element.body.iterchildren():
        if element.tag == f"{_W}p":
            number += 1
            paragraphs.append(_paragraph(element, number))
        elif element.tag == f"{_W}tbl":
            rows = []
            for row in element.iter(f"{_W}tr"):
                cells = []
                for cell in row.iter(f"{_W}tc"):
                    lines = [_paragraph(p, 0).lines for p in cell.iter(f"{_W}p")]
                    cells.append("\n".join(line for group in lines for line in group))
                rows.append(cells)
            tables.append(rows)
    return paragraphs, tables


def _section_kind(line: str, *, numbered_only: bool) -> str | None:
    """The kind a heading line names ("二、单项选择题（共 50 题）"), unsupported ones included."""
    match = _SECTION.match(line)
    if match is None and numbered_only:
        return None
    text = match.group(1) if match else line
    return text if len(text) <= 30 and is_kind_name(text) else None


def _set_answer(question: _Question, value: str) -> None:
    """The answer, and a "解析：…" written after it on the same line."""
    explanation = _EXPLANATION_INSIDE.search(value)
    if explanation is not None:
        question.explanation = [value[explanation.end() :].strip()]
        value = value[: explanation.start()]
    question.answer = value.strip()


def _take_answer(question: _Question, line: str) -> str:
    """Take "答案：B" (and a "解析：…" after it) off the end of a line; the rest of the line."""
    inside = _ANSWER_INSIDE.search(line)
    if inside is None:
        return line
    _set_answer(question, inside.group(1))
    return line[: inside.start()].strip()


def _questions(paragraphs: Sequence[_Paragraph], result: ParseResult) -> Iterator[_Question]:
    kind = ""
    question: _Question | None = None
    default_meta: dict[str, str] = {}
    for paragraph in paragraphs:
        for line in paragraph.lines:
            meta = _META.match(line)
            start = _QUESTION_START.match(line)
            if meta and not start:
                target = question.meta if question is not None else default_meta
                target[_META_FIELDS[meta.group(1)]] = meta.group(2).strip()
                if question is not None:
                    question.text.append(line)
                continue
            if not start and not _ANSWER.match(line):
                section = _section_kind(line, numbered_only=question is not None and not question.finished)
                if section is not None:
                    if question is not None:
                        yield question
                    kind, question = section, None
                    continue
            answer = _ANSWER.match(line)
            explanation = _EXPLANATION.match(line)
            if start or (question is not None and question.finished and not answer and not explanation
                         and question.explanation is None and not _OPTION_START.match(line)):  # fmt: skip
                if question is not None:
                    yield question
                question = _Question(line=paragraph.number, kind=kind, meta=dict(default_meta))
                line = line[start.end() :] if start else line
                question.text.append(line)
                line = _take_answer(question, line)
                options_at = options_inside(line)
                if options_at is not None:
                    question.options.append(line[options_at:])
                    line = line[:options_at].strip()
                question.stem.append(line)
            elif question is None:
                continue  # a title or a note before the first question
            elif explanation:
                question.text.append(line)
                question.explanation = [explanation.group(1).strip()]
            elif answer and (question.stem or question.options):
                question.text.append(line)
                _set_answer(question, answer.group(1))
            elif question.explanation is not None:
                question.text.append(line)
                question.explanation.append(line)
            elif _OPTION_START.match(line):
                question.text.append(line)
                question.options.append(_take_answer(question, line))
            elif question.options:
                question.text.append(line)
                question.options[-1] += " " + line  # an option wrapped onto a second line
            else:
                question.text.append(line)
                question.stem.append(line)
        if question is not None and not question.finished and paragraph.images:
            question.images.extend(paragraph.images)
    if question is not None:
        yield question


def _image(document, question: _Question, result: ParseResult) -> QuestionImage | None:
    if not question.images:
        return None
    if len(question.images) > 1:
        result.notices.append(
            RowError(question.line, _("这道题有 %(count)s 张图片，只保留了第一张。") % {"count": len(question.images)})
        )
    part = document.part.related_parts.get(question.images[0])
    if part is None:
        raise RowProblem(_("题中的图片无法读取。"))
    name = str(part.partname).rsplit("/", 1)[-1]
    return check_image(name, part.blob)


def _record(document, question: _Question, result: ParseResult) -> QuestionRecord:
    stem = "\n".join(line for line in question.stem if line)
    answer = question.answer
    if answer is None:
        mark = _TRAILING_MARK.search(stem)
        if mark is None:
            raise RowProblem(_("缺少答案行（如“答案：B”）。"))
        answer = mark.group(1)
        stem = (stem[: mark.start()] + "（ ）" + stem[mark.end() :]).strip()
    return build_record(
        question.line,
        kind=question.kind,
        stem=stem,
        options=["\n".join(question.options)] if question.options else [],
        answer=answer,
        explanation="\n".join(line for line in (question.explanation or []) if line),
        knowledge_point=question.meta.get("knowledge_point", ""),
        difficulty=question.meta.get("difficulty", ""),
        operation_types=question.meta.get("operation_types", ""),
        image=_image(document, question, result),
        infer_missing_kind=True,
    )


def read(data: bytes, columns: Sequence[tuple[str, str]] = ()) -> ParseResult:
    document = _open(data)
    paragraphs, tables = _body(document)
    result = ParseResult(header=[_("试题原文")])
    count = 0
    for question in _questions(paragraphs, result):
        count += 1
        check_count(count)
        result.sources[question.line] = ["\n".join(question.text)]
        try:
            result.records.append(_record(document, question, result))
        except RowProblem as problem:
            result.add_problem(question.line, problem)
    if count == 0 and tables:
        from .tabular import read_rows

        rows = [(number, row) for number, row in enumerate(tables[0], start=1)]
        if len(rows) > MAX_QUESTIONS + 1:
            check_count(len(rows) - 1)
        return read_rows(rows, columns)
    if count == 0:
        raise FileProblem(_("文件中没有找到试题：试题应以题号开头（如“1.”），并有“答案：”行。"))
    return result


# --- Writing ----------------------------------------------------------------------------------

_SECTION_NAMES = {"true_false": "判断题", "single": "单项选择题", "multiple": "多项选择题"}
_DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (section headings count this way)."""
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number - 10] if number > 10 else "")
    text = ""
    pending_zero = False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // power % 10
        if digit:
            text += ("零" if pending_zero else "") + _DIGITS[digit] + unit
            pending_zero = False
        elif text:
            pending_zero = True
    return text if number < 10_000 else str(number)


class _Body:
    """Paragraphs appended at the end of a new document's body in constant time.

    python-docx's ``add_paragraph`` looks for the section properties on every call, which
    makes a long export quadratic; here they are taken out first and put back at the end.
    """

    def __init__(self, document) -> None:
        from docx.text.paragraph import Paragraph

        self._paragraph = Paragraph
        self.document = document
        self.element = document.element.body
        self.section = self.element.find(f"{_W}sectPr")
        if self.section is not None:
            self.element.remove(self.section)

    def add(self, text: str, style: str | None = None):
        """One paragraph; the text's line breaks become line breaks inside it."""
        from docx.oxml.parser import OxmlElement

        element = OxmlElement("w:p")
        self.element.append(element)
        paragraph = self._paragraph(element, self.document._body)
        if style is not None:
            paragraph.style = self.document.styles[style]
        lines = text.split("\n")
        run = paragraph.add_run(lines[0])
        for line in lines[1:]:
            run.add_break()
            run.add_text(line)
        return paragraph

    def close(self) -> None:
        if self.section is not None:
            self.element.append(self.section)


def write(records: Iterable[QuestionRecord]) -> bytes:
    """A document in the common layout; a new section heading wherever the kind changes,
    so the questions keep their order."""
    from docx import Document
    from docx.shared import Cm

    document = Document()
    body = _Body(document)
    sections = 0
    kind = ""
    number = 0
    for record in records:
        if record.kind != kind:
            kind = record.kind
            body.add(f"{chinese_number(sections + 1)}、{_SECTION_NAMES[kind]}", style="Heading 2")
            sections += 1
            number = 0
        number += 1
        paragraph = body.add(f"{number}. {record.stem}")
        if record.image is not None:
            paragraph.add_run().add_picture(io.BytesIO(record.image.data), width=Cm(6))
        for key, text in record.options:
            body.add(f"{key}. {text}")
        answer = TRUE_FALSE_EXPORT[record.answer[0]] if record.kind == TRUE_FALSE else "".join(record.answer)
        body.add(f"答案：{answer}")
        if record.explanation:
            body.add(f"解析：{record.explanation}")
        if record.knowledge_point:
            body.add(f"知识点：{record.knowledge_point}")
        body.add(f"难度：{record.difficulty}")
        if record.operation_types:
            body.add(f"操作项目：{'、'.join(record.operation_types)}")
    body.close()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


__all__ = ["CONTENT_TYPE", "KIND_EXPORT_NAMES", "read", "write"]
