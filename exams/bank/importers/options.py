"""How banks write a question's options, and reading them back into (letter, text) pairs.

Real banks write the options of one question in one cell (or paragraph) in many ways:
one a line; separated by ``##``, ``**``, ``|``, ``；`` or tabs, with or without a leading
separator (``**A.以人为本**B.发展``); all on one line led by their letters
(``A、限期改正B、罚款C、停产停业整顿``); labels ``A.`` ``A、`` ``A．`` ``A:`` ``(A)`` ``A)``
or a bare ``A``, in half- or full-width letters. ``split_cell`` finds the parts and names
the encoding it saw (the preview shows it); ``keyed_options`` takes the labels off.
Pure: no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OPTION_KEYS = "ABCDEFGH"

#: Encoding name → what the preview calls it.
ENCODINGS = {
    "lines": gettext_lazy("每个选项单独一行"),
    "##": gettext_lazy("用 ## 分隔"),
    "**": gettext_lazy("用 ** 分隔"),
    "|": gettext_lazy("用 | 分隔"),
    "；": gettext_lazy("用分号分隔"),
    "tab": gettext_lazy("用制表符分隔"),
    "inline": gettext_lazy("同一行内以字母 A、B、C 开头"),
    "columns": gettext_lazy("每个选项一列"),
    "single": gettext_lazy("只有一项（无法拆分）"),
}

#: Tried in this order; the first that splits a cell into two or more parts wins.
_SEPARATORS = (("##", "##"), ("**", "**"), ("｜", "|"), ("|", "|"), ("；", "；"), (";", "；"), ("\t", "tab"))

_LETTER = "A-Ha-hＡ-Ｈａ-ｈ"
#: A label with punctuation or brackets: "A." "A、" "A．" "A:" "A）" "(A)" "（Ａ）".
_STRONG_LABEL = re.compile(
    rf"^\s*(?:[(（]\s*([{_LETTER}])\s*[)）]|([{_LETTER}])\s*[.．、:：)）,，])\s*(.*)$",
    re.DOTALL,
)
#: A bare capital letter followed by a space or by text that is not Latin ("A 以人为本", "A以人为本").
_BARE_LABEL = re.compile(r"^\s*([A-HＡ-Ｈ])(?:\s+|(?=[^\sA-Za-z0-9Ａ-Ｚａ-ｚ０-９.．、:：)）]))(.*)$", re.DOTALL)


def _letter(char: str) -> str:
    return unicodedata.normalize("NFKC", char).upper()


def _label_pattern(key: str, *, first: bool) -> re.Pattern[str]:
    """Where option ``key`` starts inside a line: its letter with punctuation or brackets.

    Past the first option a bare letter counts only between spaces ("A 甲 B 乙").
    """
    wide = chr(ord(key) - ord("A") + ord("Ａ"))
    letters = f"[{key}{key.lower()}{wide}]"
    bare = rf"|{letters}\s+(?=\S)" if first else rf"|(?<=\s){letters}\s+(?=\S)"
    return re.compile(rf"(?:[(（]\s*{letters}\s*[)）]|{letters}\s*[.．、:：)）]{bare})")


def split_inline(text: str) -> list[str]:
    """Split "A、甲B、乙C、丙" (or "A. 甲  B. 乙") at its labels A, B, C … in that order."""
    first = _label_pattern("A", first=True).match(text.lstrip())
    if first is None:
        return [text]
    text = text.lstrip()
    starts = [0]
    position = first.end()
    for key in OPTION_KEYS[1:]:
        found = _label_pattern(key, first=False).search(text, position)
        if found is None:
            break
        starts.append(found.start())
        position = found.end()
    if len(starts) < 2:
        return [text]
    return [text[start:end].strip() for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


def options_inside(line: str) -> int | None:
    """Where options written after a stem on the same line start ("…（ ）。A、甲B、乙"), if they do."""
    for found in re.finditer(r"(?:[(（]\s*[AＡ]\s*[)）]|[AＡ]\s*[.．、:：)）])", line):
        if found.start() == 0 or re.match(r"[A-Za-z0-9]", line[found.start() - 1]):
            continue
        if len(split_inline(line[found.start() :])) > 1:
            return found.start()
    return None


def split_cell(text: str) -> tuple[list[str], str]:
    """The option parts of one cell (labels still on) and the encoding they were written in."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return [], "single"
    candidates: list[tuple[list[str], str]] = []
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) > 1:
        if all(_STRONG_LABEL.match(line) for line in lines):
            # Two options on some lines ("A. 甲  B. 乙" / "C. 丙  D. 丁") are split again.
            parts = split_inline(" ".join(lines))
            if len(parts) > len(lines):
                candidates.append((parts, "inline"))
        candidates.append((lines, "lines"))
    else:
        for separator, name in _SEPARATORS:
            if separator in text:
                parts = [part.strip() for part in text.split(separator) if part.strip()]
                if len(parts) > 1:
                    candidates.append((parts, name))
        parts = split_inline(text)
        if len(parts) > 1:
            candidates.append((parts, "inline"))
    # The first reading whose labels make sense; else the first, so its problem is reported.
    for parts, name in candidates:
        try:
            keyed_options(parts)
        except ValueError:
            continue
        return parts, name
    return candidates[0] if candidates else ([text], "single")


def keyed_options(parts: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Give option parts their letters: either every part starts with A, B, C … or none does.

    Raises ValueError (with a Chinese message) when the letters are out of order or only
    some parts carry one (most likely an option wrapped onto a second line).
    """
    strong = [_STRONG_LABEL.match(part) for part in parts]
    if parts and all(strong):
        keys = [_letter(match.group(1) or match.group(2)) for match in strong if match]
        expected = list(OPTION_KEYS[: len(parts)])
        if keys != expected:
            raise ValueError(
                _("选项字母应依次为 %(expected)s，实际为 %(actual)s。")
                % {"expected": "、".join(expected), "actual": "、".join(keys)}
            )
        return tuple((key, match.group(3).strip()) for key, match in zip(keys, strong, strict=True) if match)
    if any(strong) and len(parts) > 1:
        raise ValueError(_("选项格式不一致：每个选项都应以 A、B、C 等字母开头，或者都不带字母。"))
    bare = [_BARE_LABEL.match(part) for part in parts]
    if len(parts) > 1 and all(bare):
        keys = [_letter(match.group(1)) for match in bare if match]
        if keys == list(OPTION_KEYS[: len(parts)]):
            return tuple((key, match.group(2).strip()) for key, match in zip(keys, bare, strict=True) if match)
    return tuple(zip(OPTION_KEYS, (part.strip() for part in parts), strict=False))
