"""The participation certificate as a small PNG a participant can share (and a PDF)."""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from printing.fonts import cjk_font

WIDTH, HEIGHT = 600, 400
INK, ACCENT, PAPER = (33, 37, 41), (176, 32, 32), (255, 253, 247)


@lru_cache(maxsize=8)
def _font(size: int):
    source = cjk_font()
    if source is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(source.path, size=size, index=source.index)


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill) -> None:
    font = _font(size)
    width = draw.textlength(text, font=font)
    draw.text(((WIDTH - width) / 2, y), text, font=font, fill=fill)


def render_png(*, title: str, organisation: str, nickname: str, score: int, day: dt.date) -> bytes:
    """A 600×400 palette PNG (a few kilobytes): light enough for a chat message."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, WIDTH - 13, HEIGHT - 13), outline=ACCENT, width=4)
    _centred(draw, 40, "参与证书", 40, ACCENT)
    _centred(draw, 110, title[:24], 24, INK)
    _centred(draw, 170, f"{nickname[:20]} 参加了本次安全知识答题", 22, INK)
    _centred(draw, 215, f"成绩 {score} 分", 36, ACCENT)
    _centred(draw, 290, organisation[:26], 20, INK)
    _centred(draw, 325, f"{day.year}年{day.month}月{day.day}日", 20, INK)
    out = io.BytesIO()
    image.quantize(colors=16).save(out, format="PNG", optimize=True)
    return out.getvalue()
