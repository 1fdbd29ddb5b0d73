"""Cut a CJK font down to the characters of one document, with HarfBuzz's subsetter.

A CJK font holds some 65,000 glyphs (16-20 MB). WeasyPrint subsets what it embeds, but
keeps glyph ids, so a page that uses a glyph near the end of the font still carries
tables sized for the whole font (a 230 KB certificate). Giving WeasyPrint a font that
holds only the page's characters, renumbered from zero, keeps the PDF near 15 KB, and
HarfBuzz does it in about a millisecond (fontTools would take seconds).

HarfBuzz is loaded through ctypes: libharfbuzz for blobs, faces and sets,
libharfbuzz-subset for the subsetter itself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from dataclasses import dataclass
from functools import lru_cache

_P = ctypes.c_void_p

# hb_subset_flags_t and hb_subset_sets_t (hb-subset.h, stable since HarfBuzz 2.9).
_FLAG_NO_HINTING = 0x1
_FLAG_DESUBROUTINIZE = 0x4
_SETS_DROP_TABLE_TAG = 3
#: Layout and vertical-metrics tables a horizontal, unshaped CJK page never needs.
_DROP_TABLES = ("GSUB", "GPOS", "BASE", "JSTF", "vhea", "vmtx", "VORG", "DSIG", "MATH")


class FontSubsetError(RuntimeError):
    """HarfBuzz could not load or subset the font."""


@dataclass(frozen=True)
class _HarfBuzz:
    core: ctypes.CDLL
    subset: ctypes.CDLL


def _tag(name: str) -> int:
    a, b, c, d = (ord(char) for char in name.ljust(4))
    return (a << 24) | (b << 16) | (c << 8) | d


@lru_cache(maxsize=1)
def _harfbuzz() -> _HarfBuzz | None:
    core_name = ctypes.util.find_library("harfbuzz")
    subset_name = ctypes.util.find_library("harfbuzz-subset")
    if not core_name or not subset_name:
        return None
    try:
        core = ctypes.CDLL(core_name)
        subset = ctypes.CDLL(subset_name)
    except OSError:
        return None

    core.hb_blob_create_from_file_or_fail.restype = _P
    core.hb_blob_create_from_file_or_fail.argtypes = [ctypes.c_char_p]
    core.hb_blob_destroy.argtypes = [_P]
    core.hb_blob_get_data.restype = ctypes.POINTER(ctypes.c_char)
    core.hb_blob_get_data.argtypes = [_P, ctypes.POINTER(ctypes.c_uint)]
    core.hb_face_count.restype = ctypes.c_uint
    core.hb_face_count.argtypes = [_P]
    core.hb_face_create.restype = _P
    core.hb_face_create.argtypes = [_P, ctypes.c_uint]
    core.hb_face_destroy.argtypes = [_P]
    core.hb_face_get_glyph_count.restype = ctypes.c_uint
    core.hb_face_get_glyph_count.argtypes = [_P]
    core.hb_face_reference_blob.restype = _P
    core.hb_face_reference_blob.argtypes = [_P]
    core.hb_face_collect_unicodes.argtypes = [_P, _P]
    core.hb_set_create.restype = _P
    core.hb_set_destroy.argtypes = [_P]
    core.hb_set_add.argtypes = [_P, ctypes.c_uint32]
    core.hb_set_has.restype = ctypes.c_int
    core.hb_set_has.argtypes = [_P, ctypes.c_uint32]
    subset.hb_subset_input_create_or_fail.restype = _P
    subset.hb_subset_input_destroy.argtypes = [_P]
    subset.hb_subset_input_unicode_set.restype = _P
    subset.hb_subset_input_unicode_set.argtypes = [_P]
    subset.hb_subset_input_set.restype = _P
    subset.hb_subset_input_set.argtypes = [_P, ctypes.c_int]
    subset.hb_subset_input_set_flags.argtypes = [_P, ctypes.c_uint]
    subset.hb_subset_or_fail.restype = _P
    subset.hb_subset_or_fail.argtypes = [_P, _P]
    return _HarfBuzz(core=core, subset=subset)


def available() -> bool:
    """Whether libharfbuzz and libharfbuzz-subset are both loadable."""
    return _harfbuzz() is not None


class FontFace:
    """One face of a font file, loaded once (memory-mapped) and subset many times.

    HarfBuzz faces are immutable and safe to share between threads; the lock only
    guards the lazily built set of characters the face covers.
    """

    def __init__(self, path: str, index: int = 0) -> None:
        hb = _harfbuzz()
        if hb is None:
            raise FontSubsetError("libharfbuzz-subset is not available")
        self._hb = hb
        self.path = path
        self.index = index
        # Both live as long as the process: faces are cached per font file.
        self._blob = hb.core.hb_blob_create_from_file_or_fail(path.encode())
        if not self._blob:
            raise FontSubsetError(f"cannot read font file {path}")
        if index >= hb.core.hb_face_count(self._blob):
            raise FontSubsetError(f"{path} has no face {index}")
        self._face = hb.core.hb_face_create(self._blob, index)
        if not self._face or hb.core.hb_face_get_glyph_count(self._face) == 0:
            raise FontSubsetError(f"cannot load face {index} of {path}")
        self._unicodes = None
        self._lock = threading.Lock()

    def covers(self, text: str) -> bool:
        """Whether the face has a glyph for every character of ``text``."""
        with self._lock:
            if self._unicodes is None:
                self._unicodes = self._hb.core.hb_set_create()
                self._hb.core.hb_face_collect_unicodes(self._face, self._unicodes)
        return all(self._hb.core.hb_set_has(self._unicodes, ord(char)) for char in text)

    def subset(self, text: str) -> bytes:
        """An OpenType font with just the glyphs for ``text``, hinting and layout dropped."""
        core, sub = self._hb.core, self._hb.subset
        subset_input = sub.hb_subset_input_create_or_fail()
        if not subset_input:
            raise FontSubsetError("hb_subset_input_create_or_fail failed")
        result_face = result_blob = None
        try:
            unicodes = sub.hb_subset_input_unicode_set(subset_input)
            for codepoint in sorted({ord(char) for char in text}):
                core.hb_set_add(unicodes, codepoint)
            drop = sub.hb_subset_input_set(subset_input, _SETS_DROP_TABLE_TAG)
            for table in _DROP_TABLES:
                core.hb_set_add(drop, _tag(table))
            sub.hb_subset_input_set_flags(subset_input, _FLAG_NO_HINTING | _FLAG_DESUBROUTINIZE)
            result_face = sub.hb_subset_or_fail(self._face, subset_input)
            if not result_face:
                raise FontSubsetError(f"HarfBuzz could not subset {self.path}")
            result_blob = core.hb_face_reference_blob(result_face)
            length = ctypes.c_uint()
            data = core.hb_blob_get_data(result_blob, ctypes.byref(length))
            if not length.value:
                raise FontSubsetError(f"HarfBuzz produced an empty subset of {self.path}")
            return ctypes.string_at(data, length.value)
        finally:
            if result_blob:
                core.hb_blob_destroy(result_blob)
            if result_face:
                core.hb_face_destroy(result_face)
            sub.hb_subset_input_destroy(subset_input)


@lru_cache(maxsize=4)
def load_face(path: str, index: int = 0) -> FontFace:
    return FontFace(path, index)
