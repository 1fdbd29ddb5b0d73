"""Question files in and out: Excel, CSV, Word, Moodle XML, GIFT and Aiken.

Every reader returns a ParseResult (records plus every bad row with its line number
and a Chinese reason) or raises FileProblem for a file that cannot be read at all;
every writer turns records back into a file the matching reader reads to the same
questions. Nothing here touches the database: exams.bank.services stores the records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _

from . import aiken, csv_file, excel, gift, moodle_xml, word
from .records import FileProblem, ParseResult, QuestionRecord, RowError, check_size

#: The user's (role, column) choices for a tabular file, e.g. [("stem", "题目内容")].
ColumnChoices = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extensions: tuple[str, ...]
    content_type: str
    read: Callable[[bytes, ColumnChoices], ParseResult]
    write: Callable[[Iterable[QuestionRecord]], bytes]
    #: Whether the format names operation types per question (else a default is needed).
    carries_operation_types: bool = True
    #: Whether the file has columns whose roles the user may choose (spreadsheets).
    has_columns: bool = False
    #: Whether an export carries the questions' pictures.
    carries_images: bool = False


def _text_reader(read: Callable[[bytes], ParseResult]) -> Callable[[bytes, ColumnChoices], ParseResult]:
    """A reader of a format without columns: the column choices do not apply."""

    def read_file(data: bytes, columns: ColumnChoices) -> ParseResult:
        return read(data)

    return read_file


def _aiken_write(records: Iterable[QuestionRecord]) -> bytes:
    data, _left_out = aiken.write(records)
    return data


FORMATS: dict[str, Format] = {
    "xlsx": Format("xlsx", "Excel", (".xlsx",), excel.CONTENT_TYPE, excel.read, excel.write, has_columns=True),
    "csv": Format(
        "csv", "CSV", (".csv", ".tsv"), csv_file.CONTENT_TYPE, csv_file.read, csv_file.write, has_columns=True
    ),
    "docx": Format("docx", "Word", (".docx",), word.CONTENT_TYPE, word.read, word.write, carries_images=True),
    "moodle-xml": Format(
        "moodle-xml",
        "Moodle XML",
        (".xml",),
        moodle_xml.CONTENT_TYPE,
        _text_reader(moodle_xml.read),
        moodle_xml.write,
        carries_images=True,
    ),
    "gift": Format("gift", "GIFT", (".gift",), gift.CONTENT_TYPE, _text_reader(gift.read), gift.write),
    "aiken": Format(
        "aiken",
        "Aiken",
        (".aiken",),
        aiken.CONTENT_TYPE,
        _text_reader(aiken.read),
        _aiken_write,
        carries_operation_types=False,
    ),
}
#: Old binary Office formats: named, so the user is told to save the file anew.
_OLD_OFFICE = {".xls": ".xlsx", ".et": ".xlsx", ".doc": ".docx", ".wps": ".docx"}


def guess_format(filename: str) -> str:
    """The format named by a file's extension (.txt is read as Aiken, Moodle's habit)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in _OLD_OFFICE:
        raise FileProblem(
            _("“%(name)s”是旧版 Office 格式，请在 Excel / Word / WPS 中“另存为” %(suffix)s 格式后再上传。")
            % {"name": PurePath(filename).name, "suffix": _OLD_OFFICE[suffix]}
        )
    if suffix == ".txt":
        return "aiken"
    for fmt in FORMATS.values():
        if suffix in fmt.extensions:
            return fmt.name
    raise FileProblem(
        _("无法从文件名“%(name)s”判断格式，请指定格式（%(formats)s）。")
        % {"name": PurePath(filename).name, "formats": "、".join(FORMATS)}
    )


def read_questions(data: bytes, fmt: str, *, columns: ColumnChoices = ()) -> ParseResult:
    """Read a whole file; FileProblem when it cannot be read at all.

    ``columns`` are the user's (role, column) choices over the recognised header of a
    spreadsheet; other formats have no columns and ignore them.
    """
    if fmt not in FORMATS:
        raise FileProblem(_("不支持的格式“%(format)s”。") % {"format": fmt})
    check_size(len(data))
    result = FORMATS[fmt].read(data, columns)
    result.errors.sort(key=lambda error: error.line)
    encodings = Counter(record.option_encoding for record in result.records if record.option_encoding)
    writings = Counter(record.true_false_writing for record in result.records if record.true_false_writing)
    result.layout["option_encodings"] = dict(encodings.most_common())
    result.layout["true_false_writings"] = dict(writings.most_common())
    return result


def write_questions(records: Iterable[QuestionRecord], fmt: str) -> bytes:
    return FORMATS[fmt].write(records)


__all__ = [
    "FORMATS",
    "ColumnChoices",
    "FileProblem",
    "Format",
    "ParseResult",
    "QuestionRecord",
    "RowError",
    "guess_format",
    "read_questions",
    "write_questions",
]
