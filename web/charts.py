"""Charts as server-rendered SVG that a person reads at a glance: a line chart of counts over
time and horizontal bars. No script; colours come from the page's stylesheet (classes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float]
    css: str  # s1, s2, … in static/style.css


def _nice_max(value: float) -> float:
    """A round upper bound for the axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    for m in (1, 2, 5, 10):
        if value <= m * step:
            return float(m * step)
    return float(10 * step)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    width: int = 760,
    height: int = 240,
) -> Markup:
    """Counts over time; labels are thinned out to stay legible."""
    left, right, top, bottom = 44, 12, 28, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    # counts: at least 4 on the axis, so that its five ticks are whole numbers
    top_value = max(4.0, _nice_max(max((max(s.values, default=0) for s in series), default=0)))
    n = max(len(labels), 1)
    step = plot_w / max(n - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - (v / top_value) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        v = top_value * k / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" '
            f'y2="{y(v):.1f}"/><text class="axis" x="{left - 6}" y="{y(v) + 4:.1f}" '
            f'text-anchor="end">{int(v) if v == int(v) else round(v, 1)}</text>'
        )
    every = max(1, round(n / 10))
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            parts.append(
                f'<text class="axis" x="{x(i):.1f}" y="{height - 10}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for s in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        parts.append(f'<polyline class="line {s.css}" fill="none" points="{points}"/>')
        if n <= 40:
            parts += [
                f'<circle class="dot {s.css}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5">'
                f"<title>{escape(labels[i])}: {v:g}</title></circle>"
                for i, v in enumerate(s.values)
            ]
    for k, s in enumerate(series):
        lx = left + k * 180
        parts.append(
            f'<rect class="{s.css}" x="{lx}" y="6" width="12" height="12"/>'
            f'<text class="legend" x="{lx + 18}" y="16">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    width: int = 760,
    bar: int = 22,
    percent: bool = False,
    css: str = "s1",
) -> Markup:
    """Horizontal bars, largest first as given; the value is written at the bar's end."""
    label_w, right = 250, 70
    height = max(1, len(items)) * (bar + 6) + 10
    top_value = max((v for _, v in items), default=0) or 1
    if percent:
        top_value = 1.0
    plot_w = width - label_w - right
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y0 = 5 + i * (bar + 6)
        w = plot_w * (value / top_value)
        shown = f"{value * 100:.0f} %" if percent else f"{value:g}"
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{y0 + bar * 0.7:.1f}" '
            f'text-anchor="end">{escape(short)}<title>{escape(label)}</title></text>'
            f'<rect class="bar {css}" x="{label_w}" y="{y0}" width="{max(w, 1):.1f}" '
            f'height="{bar}"/><text class="value" x="{label_w + w + 6:.1f}" '
            f'y="{y0 + bar * 0.7:.1f}">{escape(shown)}</text>'
        )
    if not items:
        parts.append(f'<text class="label" x="{label_w}" y="20">—</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
