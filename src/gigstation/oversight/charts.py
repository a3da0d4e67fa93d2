"""Bar-chart geometry for server-drawn SVG charts (no chart code sent to the browser).

The template draws the rectangles and labels this module lays out; numbers in, numbers out,
so Jinja does all the escaping and the charts print, zoom and read the same everywhere.
"""

from __future__ import annotations

import msgspec

__all__ = ["Bar", "BarChart", "bar_chart", "nice_ceiling"]


class Bar(msgspec.Struct, frozen=True):
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    show_label: bool


class BarChart(msgspec.Struct, frozen=True):
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    plot_left: float
    max_value: int
    ticks: list[tuple[float, int]]
    bars: list[Bar]
    total: int


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^k at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    exponent: int = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if step * exponent >= value:
            return step * exponent
    return 10 * exponent  # pragma: no cover - the loop always returns


def bar_chart(
    values: list[int], labels: list[str], *, width: int = 560, height: int = 200,
    label_every: int = 1,
) -> BarChart:
    """Lay out one bar per value on a 0-based scale with up to five round ticks."""
    if len(values) != len(labels):
        raise ValueError("one label per value")
    left, top, bottom_margin = 36.0, 10.0, 28.0
    bottom = height - bottom_margin
    top_value = nice_ceiling(max(values, default=0))
    plot_h = bottom - top
    slot = (width - left - 4) / max(1, len(values))
    bar_w = max(1.0, slot * 0.7)
    bars = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        # Round the top edge, then measure the height from it: rounding both separately
        # could push the bar 0.01 below the baseline.
        y = round(bottom - plot_h * value / top_value, 2)
        bars.append(Bar(
            x=round(left + i * slot + (slot - bar_w) / 2, 2), y=y,
            width=round(bar_w, 2), height=round(bottom - y, 2), value=value, label=label,
            show_label=i % max(1, label_every) == 0))
    step = max(1, top_value // 4) if top_value >= 4 else 1
    ticks = [(round(bottom - plot_h * v / top_value, 2), v) for v in range(0, top_value + 1, step)]
    return BarChart(width=width, height=height, plot_top=top, plot_bottom=bottom, plot_left=left,
                    max_value=top_value, ticks=ticks, bars=bars, total=sum(values))
