"""The one shape every file format reads into and writes from, and the rules it must obey.

Readers turn rows, blocks or XML elements into raw fields and hand them to
``build_record``, which normalises them (kind names, option letters, answer spellings,
difficulty words) and raises ``RowProblem`` with a Chinese message when a rule is broken.
Pure: no database, so every rule is unit-tested without one.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _

from . import options as options_module

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE)

#: What a file may not exceed, whatever its format.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_QUESTIONS = 20_000
MAX_STEM_CHARS = 5_000
MAX_OPTION_CHARS = 1_000
MAX_EXPLANATION_CHARS = 5_000
MAX_KNOWLEDGE_POINT_CHARS = 100
MIN_OPTIONS = 2
MAX_OPTIONS = 8
OPTION_KEYS = options_module.OPTION_KEYS
DEFAULT_DIFFICULTY = 3

KIND_NAMES = {
    SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "单项选择题目", "单择题", "single", "single choice"),
    MULTIPLE: ("多选", "多选题", "多项选择", "多项选择题", "多项选择题目", "multiple", "multiple choice"),
    TRUE_FALSE: ("判断", "判断题", "是非题", "是非判断题", "对错题", "true_false", "truefalse", "true/false", "tf"),
}
#: "不定项" (one or more right answers): single or multiple choice by the number of answers.
EITHER_CHOICE = "either"
_EITHER_NAMES = ("不定项", "不定项选择", "不定项选择题", "选择题", "选择")
#: Kinds banks hold that the platform does not examine: a row error each, never a crash.
UNSUPPORTED_KINDS = (
    "填空", "填空题", "简答", "简答题", "问答", "问答题", "论述", "论述题", "计算", "计算题", "案例",
    "案例题", "案例分析", "案例分析题", "综合题", "名词解释", "作图题", "识图题", "主观题", "数值题", "排序题",
    "匹配题", "连线题",
)  # fmt: skip
_KIND_BY_NAME = {name.casefold(): kind for kind, names in KIND_NAMES.items() for name in names}
_KIND_BY_NAME.update(dict.fromkeys(_EITHER_NAMES, EITHER_CHOICE))
_UNSUPPORTED = {name.casefold() for name in UNSUPPORTED_KINDS}
#: The names written by the exporters (and the template).
KIND_EXPORT_NAMES = {SINGLE: "单选题", MULTIPLE: "多选题", TRUE_FALSE: "判断题"}

_TRUE_WORDS = {"t", "true", "正确", "对", "是", "√", "✓", "✔", "☑", "y", "yes", "1", "对的", "正确的"}
_FALSE_WORDS = {"f", "false", "错误", "错", "否", "×", "✗", "✘", "✕", "x", "n", "no", "0", "错的", "错误的", "不正确"}
TRUE_FALSE_EXPORT = {"T": "正确", "F": "错误"}
#: How a true/false answer was written, by the word used (what the preview reports).
_TRUE_FALSE_WRITINGS = {
    **dict.fromkeys(("正确", "错误", "正确的", "错误的", "不正确"), "正确/错误"),
    **dict.fromkeys(("对", "错", "对的", "错的"), "对/错"),
    **dict.fromkeys(("√", "×", "✕", "x"), "√/×"),
    **dict.fromkeys(("✓", "✗", "✔", "✘", "☑"), "✓/✗"),
    **dict.fromkeys(("t", "f", "true", "false"), "T/F"),
    **dict.fromkeys(("y", "n", "yes", "no"), "Y/N"),
    **dict.fromkeys(("是", "否"), "是/否"),
    **dict.fromkeys(("1", "0"), "1/0"),
}

_DIFFICULTY_WORDS = {
    "易": 1, "容易": 1, "简单": 1, "较易": 2, "较容易": 2, "中": 3, "中等": 3, "一般": 3, "适中": 3, "较难": 4,
    "难": 5, "困难": 5,
}  # fmt: skip

_ANSWER_SEPARATORS = re.compile(r"[\s,，、;；/|.．]+")
_ANSWER_LABEL = re.compile(r"^(?:【?(?:正确|标准|参考)?答案】?|answer)\s*[:：]?\s*", re.IGNORECASE)
_LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")
_BRACKETED = re.compile(r"[(（【\[][^)）】\]]*[)）】\]]")
#: Leading question numbers: "1." "1、" "1．" "（1）" "(1)" "第1题" — never "1.5 米" or "2、3 号".
_NUMBERING = re.compile(r"^\s*(?:第\s*\d+\s*题(?:\s*[.．、:：]|\s+)|[(（]\s*\d+\s*[)）]|\d+\s*[.．、)）](?!\d))\s*")


class RowProblem(ValueError):
    """A row (line, element) that cannot become a question; the message says why."""


class FileProblem(ValueError):
    """A file that cannot be read at all (too big, wrong encoding, not the format)."""


@dataclass(frozen=True)
class QuestionImage:
    """An image that came inside a file (Moodle XML embeds them), checked to be an image."""

    name: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class QuestionRecord:
    """A question as read from a file, ready to be stored."""

    line: int
    kind: str
    stem: str
    options: tuple[tuple[str, str], ...]
    answer: tuple[str, ...]
    explanation: str = ""
    knowledge_point: str = ""
    difficulty: int = DEFAULT_DIFFICULTY
    #: Operation types as the file names them (codes or names); resolved by the service.
    operation_types: tuple[str, ...] = ()
    image: QuestionImage | None = None
    #: How the file wrote the options and a true/false answer (for the preview; not content).
    option_encoding: str = field(default="", compare=False)
    true_false_writing: str = field(default="", compare=False)

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.kind, self.stem, [text for _key, text in self.options])


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}


@dataclass
class ParseResult:
    records: list[QuestionRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Things the reader did that the user should know of, though nothing is wrong.
    notices: list[RowError] = field(default_factory=list)
    #: Tabular files: which column was read as what (``columns.Layout.summary``).
    layout: dict[str, Any] = field(default_factory=dict)
    #: The file's own cells of each row (or text of each block), by line: the errors
    #: workbook gives them back so the user can fix the bad rows and import them again.
    header: list[str] = field(default_factory=list)
    sources: dict[int, list[str]] = field(default_factory=dict)

    def add_problem(self, line: int, problem: Exception) -> None:
        self.errors.append(RowError(line=line, message=str(problem)))


def blank_line_blocks(text: str, *, strip: bool) -> Iterator[tuple[int, list[str]]]:
    """Split a text file into blocks of lines separated by blank lines.

    Yields each block with the (1-based) number of its first line, for row-level messages.
    ``strip`` drops each line's surrounding spaces (Aiken); GIFT keeps its indentation.
    """
    block: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if block:
                yield start, block
                block = []
            continue
        if not block:
            start = number
        block.append(line.strip() if strip else line)
    if block:
        yield start, block


def cell_text(value: object) -> str:
    """A cell or element value as clean text: numbers without '.0', no outer whitespace."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").strip()


def normal_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def fingerprint(kind: str, stem: str, option_texts: Iterable[str]) -> str:
    """Two questions are duplicates when kind, stem and the set of option texts match.

    Whitespace, full-width forms and letter case are ignored; option order is too,
    since papers shuffle options anyway.
    """
    parts = [kind, normal_text(stem), *sorted(normal_text(text) for text in option_texts)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _kind_key(text: str) -> str:
    """A kind as written, without spacing, brackets ("单选题（1分）") or a leading number ("一、")."""
    text = _BRACKETED.sub("", unicodedata.normalize("NFKC", text))
    text = re.sub(r"^[一二三四五六七八九十\d]+\s*[、.．]", "", text)
    return "".join(text.split()).casefold()


def parse_kind(value: object) -> str:
    """SINGLE, MULTIPLE, TRUE_FALSE, or EITHER_CHOICE for 不定项 (decided by the answer)."""
    text = cell_text(value)
    if not text:
        raise RowProblem(_("缺少题型。"))
    key = _kind_key(text)
    kind = _KIND_BY_NAME.get(key) or _KIND_BY_NAME.get(normal_text(text))
    if kind is not None:
        return kind
    if key in _UNSUPPORTED or key.rstrip("题") in _UNSUPPORTED:
        raise RowProblem(_("不支持的题型“%(kind)s”：只能导入单选题、多选题和判断题。") % {"kind": text})
    raise RowProblem(_("题型“%(kind)s”无法识别，应为单选题、多选题或判断题。") % {"kind": text})


def is_kind_name(text: str) -> bool:
    """Whether a text names a kind of question, one the platform examines or not."""
    key = _kind_key(text)
    return key in _KIND_BY_NAME or key in _UNSUPPORTED or key.rstrip("题") in _UNSUPPORTED


def strip_numbering(stem: str) -> str:
    """A stem without the question number banks put in front of it ("1." "（1）" "第1题")."""
    stripped = _NUMBERING.sub("", stem, count=1)
    return stripped if stripped.strip() else stem


def split_options(value: object) -> list[str]:
    """Option parts of one cell, however the bank separated them (see options.split_cell)."""
    return options_module.split_cell(cell_text(value))[0]


def keyed_options(parts: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Give option parts their letters; RowProblem when the letters are inconsistent."""
    try:
        return options_module.keyed_options(parts)
    except ValueError as problem:
        raise RowProblem(str(problem)) from problem


def _answer_text(value: object) -> str:
    return _ANSWER_LABEL.sub("", cell_text(value)).strip()


def true_false_writing(value: object) -> str:
    """How a true/false answer is written ("正确/错误", "√/×", …), or "" when it is not one."""
    return _TRUE_FALSE_WRITINGS.get(normal_text(_answer_text(value)), "")


def _true_false_key(text: str) -> str | None:
    word = normal_text(text).rstrip("。.")
    if word in _TRUE_WORDS:
        return "T"
    if word in _FALSE_WORDS:
        return "F"
    return None


def parse_answer(kind: str, value: object, option_keys: Sequence[str]) -> tuple[str, ...]:
    text = _answer_text(value)
    if not text:
        raise RowProblem(_("缺少答案。"))
    if kind == TRUE_FALSE:
        key = _true_false_key(text)
        if key is None:
            raise RowProblem(_("判断题答案“%(answer)s”无法识别，应为“正确”或“错误”。") % {"answer": text})
        return (key,)
    letters = [part for part in _ANSWER_SEPARATORS.split(unicodedata.normalize("NFKC", text).upper()) if part]
    if len(letters) == 1 and len(letters[0]) > 1 and letters[0].isalpha():
        letters = list(letters[0])  # "ACD"
    keys = []
    for letter in letters:
        if letter not in option_keys:
            raise RowProblem(
                _("答案“%(answer)s”不是选项 %(keys)s 之一。") % {"answer": letter, "keys": "、".join(option_keys)}
            )
        if letter not in keys:
            keys.append(letter)
    keys.sort()
    if kind == SINGLE and len(keys) != 1:
        raise RowProblem(_("单选题只能有一个答案，实际为 %(answer)s。") % {"answer": "".join(keys)})
    if kind == MULTIPLE and len(keys) < 2:
        raise RowProblem(_("多选题至少要有两个正确答案，实际为 %(answer)s。") % {"answer": "".join(keys)})
    return tuple(keys)


def parse_difficulty(value: object) -> int:
    text = cell_text(value)
    if not text:
        return DEFAULT_DIFFICULTY
    if text in _DIFFICULTY_WORDS:
        return _DIFFICULTY_WORDS[text]
    try:
        number = float(text)
    except ValueError:
        number = 0.5
    if not number.is_integer() or not 1 <= number <= 5:
        raise RowProblem(_("难度“%(value)s”无效，应为 1 到 5 的整数（或易、较易、中、较难、难）。") % {"value": text})
    return int(number)


def parse_operation_types(value: object) -> tuple[str, ...]:
    return tuple(part.strip() for part in _LIST_SEPARATORS.split(cell_text(value)) if part.strip())


def _true_false_options(pairs: Sequence[tuple[str, str]]) -> dict[str, str] | None:
    """For a true/false question written as a choice ("A. 正确  B. 错误", either order):
    option letter → T or F; None when the options are not such a pair."""
    if len(pairs) != 2:
        return None
    keys = {key: _true_false_key(text) for key, text in pairs}
    if sorted(value or "" for value in keys.values()) != ["F", "T"]:
        return None
    return {key: value for key, value in keys.items() if value}


def infer_kind(answer: object, option_count: int) -> str:
    """The kind of a question whose file gives none: a true/false word, else by the answer letters."""
    text = _answer_text(answer)
    if _true_false_key(text) is not None and not (option_count and re.fullmatch(r"[A-Ha-h]", text)):
        return TRUE_FALSE
    letters = [part for part in _ANSWER_SEPARATORS.split(unicodedata.normalize("NFKC", text).upper()) if part]
    count = len(letters[0]) if len(letters) == 1 else len(letters)
    return MULTIPLE if count > 1 else SINGLE


def build_record(
    line: int,
    *,
    kind: object,
    stem: object,
    options: Sequence[str] | tuple[tuple[str, str], ...],
    answer: object,
    explanation: object = "",
    knowledge_point: object = "",
    difficulty: object = "",
    operation_types: object = "",
    image: QuestionImage | None = None,
    option_encoding: str = "",
    infer_missing_kind: bool = False,
    numbered_stem: bool = False,
) -> QuestionRecord:
    """Check and normalise one question's raw fields; RowProblem names the first broken rule.

    ``options`` are either option parts (lettered or not; one part is split as a cell)
    or (key, text) pairs already keyed by the format itself. Files may number their stems
    (``numbered_stem``: the number is dropped) and leave the kind out (``infer_missing_kind``).
    """
    stem_text = strip_numbering(cell_text(stem)) if numbered_stem else cell_text(stem)
    if not stem_text:
        raise RowProblem(_("缺少题干。"))
    if len(stem_text) > MAX_STEM_CHARS:
        raise RowProblem(_("题干过长（最多 %(max)s 字）。") % {"max": MAX_STEM_CHARS})
    pairs: tuple[tuple[str, str], ...] = ()
    if options and isinstance(options[0], tuple):
        pairs = tuple((str(key), cell_text(text)) for key, text in options)  # type: ignore[misc]
        option_encoding = option_encoding or "columns"
    elif options:
        parts = [cell_text(part) for part in options]
        if len(parts) == 1:
            parts, option_encoding = options_module.split_cell(parts[0])
        else:
            option_encoding = option_encoding or "lines"
        pairs = keyed_options([part for part in parts if part])
    given = bool(cell_text(kind)) or not infer_missing_kind
    kind_value = parse_kind(kind) if given else infer_kind(answer, len(pairs))
    if (kind_value == EITHER_CHOICE or not given) and _true_false_options(pairs) is not None:
        kind_value = TRUE_FALSE  # options 正确 and 错误 and no kind that says otherwise
    elif kind_value == EITHER_CHOICE:
        kind_value = infer_kind(answer, len(pairs))
    writing = ""
    if kind_value == TRUE_FALSE:
        writing = true_false_writing(answer)
        as_choice = _true_false_options(pairs)
        letter = normal_text(_answer_text(answer)).upper()
        if as_choice is not None and letter in as_choice:
            # True/false written as a choice between 正确 and 错误: take the chosen one.
            answer = as_choice[letter]
            writing = _("A/B（选项为正确/错误）")
        elif pairs and as_choice is None and letter not in {"T", "F"} and _true_false_key(letter) is None:
            raise RowProblem(_("判断题的选项应为“正确”和“错误”（或“对”和“错”）。"))
        keyed: tuple[tuple[str, str], ...] = ()
    else:
        keyed = pairs
        if not MIN_OPTIONS <= len(keyed) <= MAX_OPTIONS:
            raise RowProblem(
                _("选择题应有 %(min)s 到 %(max)s 个选项，实际有 %(count)s 个。")
                % {"min": MIN_OPTIONS, "max": MAX_OPTIONS, "count": len(keyed)}
            )
        for key, text in keyed:
            if not text:
                raise RowProblem(_("选项 %(key)s 没有内容。") % {"key": key})
            if len(text) > MAX_OPTION_CHARS:
                raise RowProblem(_("选项 %(key)s 过长（最多 %(max)s 字）。") % {"key": key, "max": MAX_OPTION_CHARS})
        texts = [normal_text(text) for _key, text in keyed]
        if len(set(texts)) != len(texts):
            raise RowProblem(_("选项内容有重复。"))
    answer_keys = parse_answer(kind_value, answer, [key for key, _text_ in keyed])
    explanation_text = cell_text(explanation)
    if len(explanation_text) > MAX_EXPLANATION_CHARS:
        raise RowProblem(_("解析过长（最多 %(max)s 字）。") % {"max": MAX_EXPLANATION_CHARS})
    point = cell_text(knowledge_point)
    if len(point) > MAX_KNOWLEDGE_POINT_CHARS:
        raise RowProblem(_("知识点过长（最多 %(max)s 字）。") % {"max": MAX_KNOWLEDGE_POINT_CHARS})
    return QuestionRecord(
        line=line,
        kind=kind_value,
        stem=stem_text,
        options=keyed,
        answer=answer_keys,
        explanation=explanation_text,
        knowledge_point=point,
        difficulty=parse_difficulty(difficulty),
        operation_types=parse_operation_types(operation_types),
        image=image,
        option_encoding=option_encoding if keyed else "",
        true_false_writing=writing,
    )


def answer_label(record: QuestionRecord) -> str:
    """An answer as people write it: "B", "ACD", "正确"."""
    if record.kind == TRUE_FALSE:
        return TRUE_FALSE_EXPORT[record.answer[0]]
    return "".join(record.answer)


#: How many line numbers a grouped notice names before it says "…".
NOTICE_LINES = 5


def group_notices(notices: Sequence[RowError]) -> list[RowError]:
    """One notice per message, on its first line, naming the lines it applies to.

    "电焊" written on 700 rows is one notice, not 700.
    """
    lines: dict[str, list[int]] = {}
    for notice in notices:
        lines.setdefault(notice.message, []).append(notice.line)
    grouped = []
    for message, numbers in lines.items():
        if len(numbers) > 1:
            shown = "、".join(str(number) for number in numbers[:NOTICE_LINES])
            more = "…" if len(numbers) > NOTICE_LINES else ""
            message = _("%(message)s（共 %(count)s 行：第 %(lines)s%(more)s 行）") % {
                "message": message,
                "count": len(numbers),
                "lines": shown,
                "more": more,
            }
        grouped.append(RowError(numbers[0], message))
    return sorted(grouped, key=lambda notice: notice.line)


def find_duplicates_in_file(records: Sequence[QuestionRecord]) -> list[RowError]:
    """Every record that repeats an earlier one in the same file, named by both lines."""
    first_line: dict[str, int] = {}
    errors = []
    for record in records:
        key = record.fingerprint
        if key in first_line:
            errors.append(RowError(record.line, _("与第 %(line)s 行的试题重复。") % {"line": first_line[key]}))
        else:
            first_line[key] = record.line
    return errors


def check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise FileProblem(
            _("文件过大（%(size)s MB），最大允许 %(max)s MB。")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": MAX_FILE_BYTES // 1024 // 1024}
        )
    if size == 0:
        raise FileProblem(_("文件是空的。"))


def check_count(count: int) -> None:
    if count > MAX_QUESTIONS:
        raise FileProblem(_("试题过多：一个文件最多 %(max)s 道题。") % {"max": MAX_QUESTIONS})


def decode_text(data: bytes) -> str:
    """Text files from Chinese offices come in UTF-8 (with or without BOM) or GBK/GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(_("无法识别文件编码，请另存为 UTF-8 编码。"))


MAX_IMAGE_BYTES = 2 * 1024 * 1024
_IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


def check_image(name: str, data: bytes) -> QuestionImage:
    """A question image: at most 2 MB, and really a PNG, JPEG, GIF or WebP picture."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise RowProblem(_("图片“%(name)s”过大（最大 2 MB）。") % {"name": name})
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.verify()
            image_format = picture.format or ""
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise RowProblem(_("“%(name)s”不是有效的图片。") % {"name": name}) from exc
    if image_format not in _IMAGE_FORMATS:
        raise RowProblem(_("图片“%(name)s”的格式不受支持，请使用 PNG、JPEG、GIF 或 WebP。") % {"name": name})
    stem = re.sub(r"[^\w.-]+", "_", name.rsplit(".", 1)[0])[:80] or "image"
    return QuestionImage(name=f"{stem}.{_IMAGE_FORMATS[image_format]}", data=data)
