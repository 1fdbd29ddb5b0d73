"""The UI's source language is Simplified Chinese; English comes from locale/en."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

# One entry of a .po file: optional msgctxt, msgid (possibly continued on following
# "..." lines), optional msgid_plural, then msgstr or msgstr[n] lines.
_STRING = r'"(?:[^"\\]|\\.)*"'
_ENTRY = re.compile(
    rf"^(?P<fuzzy>#,.*fuzzy.*\n)?(?:#.*\n)*"
    rf"(?:msgctxt {_STRING}\n(?:{_STRING}\n)*)?"
    rf"msgid (?P<msgid>{_STRING}\n(?:{_STRING}\n)*)"
    rf"(?:msgid_plural {_STRING}\n(?:{_STRING}\n)*)?"
    rf"(?P<msgstrs>(?:msgstr(?:\[\d+\])? {_STRING}\n(?:{_STRING}\n)*)+)",
    re.MULTILINE,
)


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _join(block: str) -> str:
    """The text of a run of quoted .po lines, without the keyword, unescaped."""
    quoted = "".join(part[1:-1] for part in re.findall(_STRING, block))
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), quoted)


def _entries() -> list[tuple[str, list[str], bool]]:
    text = PO_FILE.read_text(encoding="utf-8")
    entries = []
    for match in _ENTRY.finditer(text + "\n"):
        msgid = _join(match["msgid"])
        msgstrs = [_join(part) for part in re.split(r"^msgstr(?:\[\d+\])? ", match["msgstrs"], flags=re.M) if part]
        entries.append((msgid, msgstrs, bool(match["fuzzy"])))
    return entries


def test_every_english_entry_is_translated():
    # given
    entries = [entry for entry in _entries() if entry[0]]  # the header has an empty msgid

    # then: the parser saw every entry, and each has an English text
    assert len(entries) > 100
    assert len(entries) + 1 == len(re.findall(r"^msgid ", PO_FILE.read_text(encoding="utf-8"), flags=re.M))
    untranslated = [msgid for msgid, msgstrs, _fuzzy in entries if not all(msgstrs)]
    fuzzy = [msgid for msgid, _msgstrs, is_fuzzy in entries if is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_po_file():
    # given
    with MO_FILE.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)

    # then: the .mo holds what the .po says, and no translation is still Chinese
    for msgid, msgstrs, _fuzzy in _entries():
        if not msgid:
            continue
        translated = catalogue.gettext(msgid)
        assert translated == msgstrs[0], msgid
        # Chinese may stay only inside “quotes”: keywords the question importer looks for
        # in users' files (答案：, 一、判断题), glossed in English around them.
        unquoted = re.sub(r"“[^”]*”", "", translated)
        assert not re.search(r"[\u4e00-\u9fff]", unquoted), (msgid, translated)


@pytest.mark.django_db
def test_verification_page_speaks_english_when_asked(client):
    # when
    english = client.get("/verify/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/verify/", HTTP_ACCEPT_LANGUAGE="zh-CN")

    # then
    assert english.status_code == 200
    assert "Certificate verification" in english.text
    assert "Holder&#x27;s name" in english.text or "Holder's name" in english.text
    assert "证书核验" not in english.text
    assert chinese.status_code == 200
    assert "证书核验" in chinese.text
    assert "持证人姓名" in chinese.text
    assert "Certificate verification" not in chinese.text


@pytest.mark.django_db
def test_login_page_speaks_english_when_asked(client):
    # when
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")

    # then
    assert english.status_code == 200
    assert "Keep me logged in on this device" in english.text
    assert "Forgot password?" in english.text
    assert "在这台设备上保持登录" not in english.text
    assert "忘记密码" not in english.text
    assert chinese.status_code == 200
    assert "在这台设备上保持登录" in chinese.text
    assert "忘记密码？" in chinese.text
    assert "Keep me logged in on this device" not in chinese.text


def test_wagtail_admin_strings_that_wagtail_leaves_untranslated_read_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        shown = [translation.gettext(text) for text in ("Save changes", "Page type", "Go to the first error")]

    assert shown == ["保存更改", "页面类型", "转到第一个错误"]
