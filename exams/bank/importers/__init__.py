"""Question files in and out: Excel, CSV, Moodle XML, GIFT and Aiken.

Every reader returns a ParseResult (records plus every bad row with its line number
and a Chinese reason) or raises FileProblem for a file that cannot be read at all;
every writer turns records back into a file the matching reader reads to the same
questions. Nothing here touches the database: exams.bank.services stores the records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _

from . import aiken, csv_file, excel, gift, moodle_xml
from .records import FileProblem, ParseResult, QuestionRecord, RowError, check_size


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extensions: tuple[str, ...]
    content_type: str
    read: Callable[[bytes], ParseResult]
    write: Callable[[Iterable[QuestionRecord]], bytes]
    #: Whether the format names operation types per question (else a default is needed).
    carries_operation_types: bool = True


def _aiken_write(records: Iterable[QuestionRecord]) -> bytes:
    data, _left_out = aiken.write(records)
    return data


FORMATS: dict[str, Format] = {
    "xlsx": Format("xlsx", "Excel", (".xlsx",), excel.CONTENT_TYPE, excel.read, excel.write),
    "csv": Format("csv", "CSV", (".csv", ".tsv"), csv_file.CONTENT_TYPE, csv_file.read, csv_file.write),
    "moodle-xml": Format(
        "moodle-xml", "Moodle XML", (".xml",), moodle_xml.CONTENT_TYPE, moodle_xml.read, moodle_xml.write
    ),
    "gift": Format("gift", "GIFT", (".gift",), gift.CONTENT_TYPE, gift.read, gift.write),
    "aiken": Format(
        "aiken", "Aiken", (".aiken",), aiken.CONTENT_TYPE, aiken.read, _aiken_write, carries_operation_types=False
    ),
}


def guess_format(filename: str) -> str:
    """The format named by a file's extension (.txt is read as Aiken, Moodle's habit)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".txt":
        return "aiken"
    for fmt in FORMATS.values():
        if suffix in fmt.extensions:
            return fmt.name
    raise FileProblem(
        _("无法从文件名“%(name)s”判断格式，请指定格式（%(formats)s）。")
        % {"name": PurePath(filename).name, "formats": "、".join(FORMATS)}
    )


def read_questions(data: bytes, fmt: str) -> ParseResult:
    """Read a whole file; FileProblem when it cannot be read at all."""
    if fmt not in FORMATS:
        raise FileProblem(_("不支持的格式“%(format)s”。") % {"format": fmt})
    check_size(len(data))
    result = FORMATS[fmt].read(data)
    result.errors.sort(key=lambda error: error.line)
    return result


def write_questions(records: Iterable[QuestionRecord], fmt: str) -> bytes:
    return FORMATS[fmt].write(records)


__all__ = [
    "FORMATS",
    "FileProblem",
    "Format",
    "ParseResult",
    "QuestionRecord",
    "RowError",
    "guess_format",
    "read_questions",
    "write_questions",
]
