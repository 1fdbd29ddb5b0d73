"""Question text arrives as HTML from Moodle XML and GIFT; the bank stores plain text.

Tags go, entities are decoded, <br>/<p>/<li> become line breaks, and the content of
<script>/<style> is dropped outright. What is left is stored as text and escaped
wherever it is shown, so nothing in a question is ever run in a page.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK_TAGS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
_DROPPED_TAGS = {"script", "style", "iframe", "object", "embed", "template"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _DROPPED_TAGS:
            self.dropping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self.dropping = max(0, self.dropping - 1)
        elif tag in _BLOCK_TAGS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    """Plain text as HTML that shows the same text: escaped, line breaks kept."""
    return "<br>".join(html.escape(line, quote=False) for line in text.split("\n"))
