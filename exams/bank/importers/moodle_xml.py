"""Moodle XML (``<quiz><question type="multichoice">…``), parsed with defusedxml.

defusedxml refuses entity expansion, external entities and DTD tricks, so a hostile
file cannot exhaust memory or read local files. Line numbers in messages are those of
each ``<question>`` element. multichoice (single or multiple) and truefalse are read;
category questions are skipped; other types are reported as not supported.

Our metadata travels as Moodle tags ``操作项目:0102``, ``知识点:…``, ``难度:3``, and the
explanation as ``generalfeedback``, so Moodle keeps them and a re-import restores them.
"""

from __future__ import annotations

import base64
import binascii
import html
import xml.etree.ElementTree as ET  # noqa: S405 - only for building the export and its types
from collections.abc import Iterable
from typing import Any
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.utils.translation import gettext as _

from .html_text import html_to_text, text_to_html
from .records import (
    MULTIPLE,
    SINGLE,
    TRUE_FALSE,
    FileProblem,
    ParseResult,
    QuestionImage,
    QuestionRecord,
    RowProblem,
    build_record,
    check_count,
    check_image,
)

CONTENT_TYPE = "application/xml; charset=utf-8"
_TAG_PREFIXES = {"operation_types": "操作项目:", "knowledge_point": "知识点:", "difficulty": "难度:"}


class _LineNumberingParser(DefusedXMLParser):
    """defusedxml's parser, noting on each element the line where it starts."""

    def __init__(self) -> None:
        super().__init__(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self._element_start = self.parser.StartElementHandler
        self.parser.StartElementHandler = self._start_with_line

    def _start_with_line(self, tag, attrs):
        element = self._element_start(tag, attrs)
        element.sourceline = self.parser.CurrentLineNumber
        return element


def _parse(data: bytes) -> ET.Element:
    parser = _LineNumberingParser()
    try:
        parser.feed(data)
        return parser.close()
    except DefusedXmlException as exc:
        raise FileProblem(_("XML 文件包含实体或 DTD 声明，出于安全原因拒绝读取。")) from exc
    except (ET.ParseError, ExpatError) as exc:
        line = getattr(exc, "position", (0, 0))[0]
        raise FileProblem(_("第 %(line)s 行 XML 格式错误，文件无法读取。") % {"line": line}) from exc


def _text(element: ET.Element | None) -> tuple[str, str]:
    """(text, format) of an element that holds <text> (questiontext, answer, feedback)."""
    if element is None:
        return "", ""
    text_element = element.find("text")
    raw = (text_element.text if text_element is not None else element.text) or ""
    return raw, element.get("format", "html")


def _plain(element: ET.Element | None) -> str:
    raw, text_format = _text(element)
    if text_format in {"html", "moodle_auto_format", ""}:
        return html_to_text(raw)
    return raw.strip()


def _image(question: ET.Element) -> QuestionImage | None:
    """The first picture embedded in the question text (<file encoding="base64">)."""
    for file in question.findall("questiontext/file"):
        name = file.get("name") or "image"
        try:
            data = base64.b64decode((file.text or "").strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RowProblem(_("图片“%(name)s”的 base64 编码无效。") % {"name": name}) from exc
        return check_image(name, data)
    return None


def _record(question: ET.Element, line: int) -> QuestionRecord:
    kind_attr = question.get("type", "")
    tags = [(tag.findtext("text") or "").strip() for tag in question.findall("tags/tag")]
    meta = {}
    for field, prefix in _TAG_PREFIXES.items():
        for tag in tags:
            if tag.startswith(prefix):
                meta[field] = tag[len(prefix) :].strip()
    common: dict[str, Any] = {
        "stem": _plain(question.find("questiontext")),
        "explanation": _plain(question.find("generalfeedback")),
        "knowledge_point": meta.get("knowledge_point", ""),
        "difficulty": meta.get("difficulty", ""),
        "operation_types": meta.get("operation_types", ""),
        "image": _image(question),
    }
    answers = question.findall("answer")
    if kind_attr == "truefalse":
        correct = [a for a in answers if _fraction(a) > 0]
        if len(correct) != 1:
            raise RowProblem(_('判断题应有且只有一个得分答案（fraction="100"）。'))
        word = (correct[0].findtext("text") or "").strip().lower()
        return build_record(line, kind=TRUE_FALSE, options=[], answer=word, **common)
    if kind_attr != "multichoice":
        raise RowProblem(_("不支持的 Moodle 题型“%(type)s”，只能导入单选、多选和判断题。") % {"type": kind_attr})
    single = (question.findtext("single") or "true").strip().lower() in {"true", "1"}
    if len(answers) > 8:
        raise RowProblem(_("选择题应有 2 到 8 个选项，实际有 %(count)s 个。") % {"count": len(answers)})
    options = tuple(("ABCDEFGH"[index], _plain(answer)) for index, answer in enumerate(answers))
    correct_keys = "".join(key for (key, _t), answer in zip(options, answers, strict=True) if _fraction(answer) > 0)
    if not correct_keys:
        raise RowProblem(_("没有得分的选项（fraction 大于 0）。"))
    return build_record(line, kind=SINGLE if single else MULTIPLE, options=options, answer=correct_keys, **common)


def _fraction(answer: ET.Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError as exc:
        raise RowProblem(_("fraction 属性“%(value)s”不是数字。") % {"value": answer.get("fraction")}) from exc


def read(data: bytes) -> ParseResult:
    root = _parse(data)
    if root.tag != "quiz":
        raise FileProblem(_("不是 Moodle XML 文件：根元素应为 <quiz>。"))
    result = ParseResult()
    count = 0
    for question in root.findall("question"):
        if question.get("type") == "category":
            continue
        count += 1
        check_count(count)
        line = getattr(question, "sourceline", 0)
        try:
            result.records.append(_record(question, line))
        except RowProblem as problem:
            result.add_problem(line, problem)
    if count == 0:
        raise FileProblem(_("文件中没有试题。"))
    return result


def _text_child(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = text
    return element


def _weight(count: int) -> str:
    return f"{100 / count:.5f}".rstrip("0").rstrip(".")


def write(records: Iterable[QuestionRecord]) -> bytes:
    quiz = ET.Element("quiz")
    for number, record in enumerate(records, start=1):
        kind = "truefalse" if record.kind == TRUE_FALSE else "multichoice"
        question = ET.SubElement(quiz, "question", {"type": kind})
        _text_child(question, "name", f"Q{number} {record.stem[:40]}")
        stem_html = text_to_html(record.stem)
        if record.image is not None:
            stem_html += f'<br><img src="@@PLUGINFILE@@/{html.escape(record.image.name)}" alt="">'
        text = _text_child(question, "questiontext", stem_html, format="html")
        if record.image is not None:
            file = ET.SubElement(text, "file", {"name": record.image.name, "path": "/", "encoding": "base64"})
            file.text = base64.b64encode(record.image.data).decode("ascii")
        _text_child(question, "generalfeedback", text_to_html(record.explanation), format="html")
        ET.SubElement(question, "defaultgrade").text = "1"
        if record.kind == TRUE_FALSE:
            for word, key in (("true", "T"), ("false", "F")):
                choice = _text_child(question, "answer", word, fraction="100" if record.answer == (key,) else "0")
                choice.set("format", "moodle_auto_format")
        else:
            ET.SubElement(question, "single").text = "true" if record.kind == SINGLE else "false"
            ET.SubElement(question, "shuffleanswers").text = "true"
            ET.SubElement(question, "answernumbering").text = "ABCD"
            right = _weight(len(record.answer))
            for key, text in record.options:
                if key in record.answer:
                    fraction = "100" if record.kind == SINGLE else right
                else:
                    fraction = "0" if record.kind == SINGLE else "-100"
                _text_child(question, "answer", text_to_html(text), fraction=fraction, format="html")
        tags = ET.SubElement(question, "tags")
        values = {
            "operation_types": "、".join(record.operation_types),
            "knowledge_point": record.knowledge_point,
            "difficulty": str(record.difficulty),
        }
        for field, prefix in _TAG_PREFIXES.items():
            if values[field]:
                _text_child(tags, "tag", prefix + values[field])
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True)
