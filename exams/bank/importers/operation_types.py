"""Matching the operation types a file names to the catalogue: by code, by name, or by the
names banks use in practice ("电焊" → 熔化焊接与热切割作业), the last with a notice.

``match_operation_type`` is the one place where a name in a file becomes a catalogue
entry; subjects of other kinds (e.g. the three-post management subjects) are to be
matched here too. Pure: the service passes the catalogue in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

#: Names training organisations write for an operation type → its catalogue code.
COLLOQUIAL_NAMES = {
    "电焊": "0201",
    "电焊工": "0201",
    "焊工": "0201",
    "气焊": "0201",
    "气割": "0201",
    "电气焊": "0201",
    "熔化焊": "0201",
    "焊接与热切割": "0201",
    "低压电工": "0102",
    "低压电工证": "0102",
    "高压电工": "0101",
    "高压电工证": "0101",
    "防爆电气": "0103",
    "压力焊": "0202",
    "钎焊": "0203",
    "登高架设": "0301",
    "架子工": "0301",
    "高处安装维护拆除": "0302",
    "高空作业": "0302",
    "制冷与空调设备运行操作": "0401",
    "制冷与空调设备安装修理": "0402",
    "司钻": "0701",
    "煤气": "0801",
    "化工自动化控制仪表": "0916",
    "化工仪表": "0916",
}

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")"})
_NOISE = re.compile(r"[\s·•、，,。.\-—_/]+")
_SUFFIX = re.compile(r"(?:作业|操作|证|特种|人员)$")


def _key(text: str) -> str:
    """Names compared without spacing, punctuation, width or bracket style."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).translate(_BRACKETS)).casefold()


def _short(text: str) -> str:
    """A name without the trailing 作业 / 证 / 操作证 that banks add or leave out."""
    key = _key(text)
    short = key
    while True:
        trimmed = _SUFFIX.sub("", short)
        if trimmed == short or not trimmed:
            return short
        short = trimmed


@dataclass(frozen=True)
class CatalogueEntry:
    pk: int
    code: str
    name: str


@dataclass
class Catalogue:
    """The catalogue indexed for matching; build it once per import with ``Catalogue.of``."""

    by_code: dict[str, CatalogueEntry] = field(default_factory=dict)
    by_name: dict[str, CatalogueEntry] = field(default_factory=dict)
    by_short_name: dict[str, CatalogueEntry] = field(default_factory=dict)
    entries: list[CatalogueEntry] = field(default_factory=list)

    @classmethod
    def of(cls, entries: Iterable[CatalogueEntry]) -> Catalogue:
        catalogue = cls()
        for entry in entries:
            catalogue.entries.append(entry)
            catalogue.by_code[entry.code] = entry
            catalogue.by_name[entry.name] = entry
            catalogue.by_short_name[_short(entry.name)] = entry
        return catalogue


@dataclass(frozen=True)
class TypeMatch:
    entry: CatalogueEntry
    #: Empty for an exact code or name; else what the preview and the command tell the user.
    notice: str = ""


def match_operation_type(value: str, catalogue: Catalogue) -> TypeMatch | None:
    """The catalogue entry a file's operation-type value means, or None when nothing fits.

    Exact codes and names match silently; a name written differently (spacing, brackets,
    "作业" left out), a name banks use for the type, or a value that contains exactly one
    catalogue name (or is contained in exactly one) matches with a notice.
    """
    value = value.strip()
    if not value:
        return None
    exact = catalogue.by_code.get(value) or catalogue.by_name.get(value)
    if exact is not None:
        return TypeMatch(exact)
    key = _key(value)
    entry = catalogue.by_code.get(key) or catalogue.by_short_name.get(_short(value))
    if entry is None and _short(value) in COLLOQUIAL_NAMES:
        entry = catalogue.by_code.get(COLLOQUIAL_NAMES[_short(value)])
    if entry is None and len(_short(value)) >= 2:
        containing = {
            item.code: item
            for item in catalogue.entries
            if _short(item.name) in key or (len(_short(value)) >= 3 and _short(value) in _key(item.name))
        }
        if len(containing) == 1:
            entry = next(iter(containing.values()))
    if entry is None:
        return None
    return TypeMatch(
        entry,
        _("操作项目“%(value)s”按“%(name)s（%(code)s）”导入。")
        % {"value": value, "name": entry.name, "code": entry.code},
    )
