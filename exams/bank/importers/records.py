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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _

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
OPTION_KEYS = "ABCDEFGH"
DEFAULT_DIFFICULTY = 3

KIND_NAMES = {
    SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "single", "single choice"),
    MULTIPLE: ("多选", "多选题", "多项选择", "多项选择题", "multiple", "multiple choice"),
    TRUE_FALSE: ("判断", "判断题", "是非题", "true_false", "truefalse", "true/false", "tf"),
}
_KIND_BY_NAME = {name.casefold(): kind for kind, names in KIND_NAMES.items() for name in names}
#: The names written by the exporters (and the template).
KIND_EXPORT_NAMES = {SINGLE: "单选题", MULTIPLE: "多选题", TRUE_FALSE: "判断题"}

_TRUE_WORDS = {"t", "true", "正确", "对", "是", "√", "✓", "✔", "y", "yes"}
_FALSE_WORDS = {"f", "false", "错误", "错", "否", "×", "✗", "✘", "x", "n", "no"}
TRUE_FALSE_EXPORT = {"T": "正确", "F": "错误"}

_DIFFICULTY_WORDS = {"易": 1, "容易": 1, "较易": 2, "中": 3, "中等": 3, "一般": 3, "较难": 4, "难": 5, "困难": 5}

_OPTION_LINE = re.compile(r"^\s*([A-Ha-h])\s*(?:[.．、:：)）]\s*|\s+)(.*)$", re.DOTALL)
_ANSWER_SEPARATORS = re.compile(r"[\s,，、;；/|]+")
_LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")


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

    def add_problem(self, line: int, problem: Exception) -> None:
        self.errors.append(RowError(line=line, message=str(problem)))


def cell_text(value: object) -> str:
    """A cell or element value as clean text: numbers without '.0', no outer whitespace."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def normal_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def fingerprint(kind: str, stem: str, option_texts: Iterable[str]) -> str:
    """Two questions are duplicates when kind, stem and the set of option texts match.

    Whitespace, full-width forms and letter case are ignored; option order is too,
    since papers shuffle options anyway.
    """
    parts = [kind, normal_text(stem), *sorted(normal_text(text) for text in option_texts)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def parse_kind(value: object) -> str:
    text = cell_text(value)
    if not text:
        raise RowProblem(_("缺少题型。"))
    kind = _KIND_BY_NAME.get(normal_text(text))
    if kind is None:
        raise RowProblem(_("题型“%(kind)s”无法识别，应为单选题、多选题或判断题。") % {"kind": text})
    return kind


_FIRST_OPTION = re.compile(r"^\s*[Aa]\s*[.．、:：)）]")
_INLINE_OPTION = re.compile(r"\s*\|\s*|\s+(?=[B-Hb-h]\s*[.．、)）])")


def split_options(value: object) -> list[str]:
    """Option lines from one cell: one option a line, each optionally led by its letter.

    A cell that holds all options on one line ("A. 甲  B. 乙  C. 丙" or "A.甲|B.乙") is
    split at each letter, as many banks write it.
    """
    text = cell_text(value)
    lines = [line for line in (part.strip() for part in text.split("\n")) if line]
    if len(lines) == 1 and _FIRST_OPTION.match(lines[0]):
        parts = [part.strip() for part in _INLINE_OPTION.split(lines[0]) if part.strip()]
        if len(parts) > 1:
            return parts
    return lines


def keyed_options(lines: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Give option lines their letters: either every line starts with A, B, C… or none does."""
    matches = [_OPTION_LINE.match(line) for line in lines]
    if all(match is not None for match in matches) and lines:
        keys = [match.group(1).upper() for match in matches if match]
        expected = list(OPTION_KEYS[: len(lines)])
        if keys != expected:
            raise RowProblem(
                _("选项字母应依次为 %(expected)s，实际为 %(actual)s。")
                % {"expected": "、".join(expected), "actual": "、".join(keys)}
            )
        return tuple((key, match.group(2).strip()) for key, match in zip(keys, matches, strict=True) if match)
    if any(match is not None for match in matches) and len(lines) > 1:
        # Some lines lettered, some not: most likely a wrapped option.
        raise RowProblem(_("选项格式不一致：每个选项单独一行，并以 A、B、C 等字母开头。"))
    return tuple(zip(OPTION_KEYS, lines, strict=False))


def parse_answer(kind: str, value: object, option_keys: Sequence[str]) -> tuple[str, ...]:
    text = cell_text(value)
    if not text:
        raise RowProblem(_("缺少答案。"))
    if kind == TRUE_FALSE:
        word = normal_text(text)
        if word in _TRUE_WORDS:
            return ("T",)
        if word in _FALSE_WORDS:
            return ("F",)
        raise RowProblem(_("判断题答案“%(answer)s”无法识别，应为“正确”或“错误”。") % {"answer": text})
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
) -> QuestionRecord:
    """Check and normalise one question's raw fields; RowProblem names the first broken rule.

    ``options`` are either option lines (lettered or not) or (key, text) pairs already
    keyed by the format itself.
    """
    kind_value = parse_kind(kind)
    stem_text = cell_text(stem)
    if not stem_text:
        raise RowProblem(_("缺少题干。"))
    if len(stem_text) > MAX_STEM_CHARS:
        raise RowProblem(_("题干过长（最多 %(max)s 字）。") % {"max": MAX_STEM_CHARS})
    keyed: tuple[tuple[str, str], ...] = ()
    if kind_value != TRUE_FALSE:
        if options and isinstance(options[0], tuple):
            keyed = tuple((str(key), cell_text(text)) for key, text in options)  # type: ignore[misc]
        else:
            lines = [cell_text(line) for line in options]
            keyed = keyed_options(split_options(lines[0]) if len(lines) == 1 else lines)
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
    if kind_value == TRUE_FALSE and options and cell_text(answer).upper() in {"A", "B"}:
        # True/false written as a choice between A. 正确 and B. 错误: take the chosen text.
        pairs = options if isinstance(options[0], tuple) else keyed_options([cell_text(o) for o in options])  # type: ignore[arg-type]
        answer = dict(pairs).get(cell_text(answer).upper(), answer)
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
    )


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
