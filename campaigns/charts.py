"""Server-rendered SVG bar charts: no chart library, nothing for the phone to run."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, unit: str = "", width: int = 340) -> str:
    """Horizontal bars, one row each (labels left, value right); an accessible <svg>."""
    row, label_width, pad = 22, 96, 4
    height = max(1, len(bars)) * row + pad * 2
    top = max((value for _label, value in bars), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    span = width - label_width - 56
    for index, (label, value) in enumerate(bars):
        y = pad + index * row
        length = max(1.0, span * value / top) if value else 0.0
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(label[:8])}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="14" fill="#b02020"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 15}" font-size="12">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
