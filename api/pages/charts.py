"""Server-rendered SVG charts for the HR dashboard.

The dashboard shows how a campaign's funnel narrows per channel (reached, links shared, clicks,
applications, interviews, hires) and how its reach moves from day to day. The charts are drawn
here as inline SVG so the pages need no JavaScript, chart library or CDN, and read the same in
a locked-down browser, a screen reader (role, title and desc) or a printed page. Every text
from outside is escaped, and the output is a pure function of the input so pages cache and
compare byte for byte.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from collections.abc import Sequence

from markupsafe import Markup, escape

# Okabe–Ito, strongest first. Its yellow is left out: at about 1.2:1 against white it fails the
# 3:1 WCAG asks of graphics. Series beyond seven reuse the colours; line charts then dash them.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
TEXT = "#222"  # 15.9:1 on white, well past WCAG AA
GRID = "#ddd"
WIDTH = 640
FONT = 12
# There is no text measurement on the server: this is a generous advance for a 12 px glyph.
CHAR_W = 7.0
MIN_SEGMENT = 2.0
BAR_H = 18
ROW_H = 26
PLOT_TOP = 10
PLOT_H = 180
MAX_X_LABELS = 5
NO_DATA = "No data yet"
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
# Month names spelt out here so the labels do not depend on the server's locale.
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _n(value: float) -> str:
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _dash(index: int) -> str:
    return ' stroke-dasharray="6 3"' if index >= len(PALETTE) else ""


def _chart_id(prefix: str, *parts: object) -> str:
    # Derived from the input, not a counter, so the output stays deterministic; two charts on a
    # page differ in title or data, and identical ones can be told apart by their prefix.
    if not _ID_PREFIX.match(prefix):
        raise ValueError(f"id_prefix must be a plain XML name, got {prefix!r}")
    return f"{prefix}-{hashlib.sha256(repr(parts).encode()).hexdigest()[:10]}"


def _check_values(values: Sequence[int], expected: int, what: str) -> None:
    if len(values) != expected:
        raise ValueError(f"{what} has {len(values)} values, expected {expected}")
    if any(v < 0 for v in values):
        raise ValueError(f"{what} has a negative count")


def _svg(chart_id: str, height: float, title: str, description: str, body: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}" fill="{TEXT}">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
        # An own white ground keeps the contrast when the page around it is dark.
        '<rect width="100%" height="100%" fill="#fff"/>'
    )
    return Markup(head + body + "</svg>")  # noqa: S704 - every outside text above is escaped


def _empty(chart_id: str, title: str, description: str) -> Markup:
    body = f'<text x="{WIDTH // 2}" y="44" text-anchor="middle">{NO_DATA}</text>'
    return _svg(chart_id, 80, title, description, body)


def _legend(labels: Sequence[str], top: float, *, lines: bool) -> tuple[str, float]:
    """The legend as SVG from `top` down, and the height it takes; items wrap onto new rows."""
    parts: list[str] = []
    x, y = 8.0, top
    for index, label in enumerate(labels):
        item_w = 18 + CHAR_W * len(label) + 16
        if x > 8 and x + item_w > WIDTH - 8:
            x, y = 8.0, y + 18
        colour = _colour(index)
        if lines:
            parts.append(
                f'<line x1="{_n(x)}" y1="{_n(y + 6)}" x2="{_n(x + 12)}" y2="{_n(y + 6)}" '
                f'stroke="{colour}" stroke-width="3"{_dash(index)}/>'
            )
        else:
            parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{_n(x + 18)}" y="{_n(y + 10)}">{escape(label)}</text>')
        x += item_w
    return "".join(parts), y + 18 - top


def funnel_chart(
    steps: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    title: str,
    description: str,
    id_prefix: str = "funnel",
) -> Markup:
    """One horizontal bar per funnel step, stacked by channel in `series` order."""
    for label, values in series:
        _check_values(values, len(steps), f"series {label!r}")
    chart_id = _chart_id(
        id_prefix, "funnel", title, description, tuple(steps),
        tuple((label, tuple(values)) for label, values in series),
    )  # fmt: skip
    totals = [sum(values[row] for _, values in series) for row in range(len(steps))]
    top_total = max(totals, default=0)
    if top_total == 0:
        return _empty(chart_id, title, description)
    label_w = min(200.0, max(60.0, CHAR_W * max(len(step) for step in steps))) + 12
    bar_max = WIDTH - label_w - CHAR_W * len(str(top_total)) - 16
    parts: list[str] = []
    for row, (step, total) in enumerate(zip(steps, totals, strict=True)):
        y = 8 + row * ROW_H
        parts.append(
            f'<text x="{_n(label_w - 8)}" y="{_n(y + 13)}" text-anchor="end">{escape(step)}</text>'
        )
        x = label_w
        if total:
            # Square-root scale: a funnel runs from thousands reached to a single hire, and on a
            # linear axis the late steps shrink to slivers; the root keeps the order of the steps
            # while leaving them readable, and the printed totals give the real numbers. Each
            # non-zero channel also gets MIN_SEGMENT px so one hire is a visible mark, and the
            # rest of the bar is shared in proportion, so wider always means more within a step.
            length = bar_max * math.sqrt(total / top_total)
            shown = sum(1 for _, values in series if values[row] > 0)
            spare = max(0.0, length - MIN_SEGMENT * shown)
            for index, (label, values) in enumerate(series):
                if values[row] == 0:
                    continue
                width = MIN_SEGMENT + spare * values[row] / total
                parts.append(
                    f'<rect x="{_n(x)}" y="{y}" width="{_n(width)}" height="{BAR_H}" '
                    f'fill="{_colour(index)}"><title>{escape(label)}: {values[row]}</title></rect>'
                )
                x += width
        parts.append(f'<text x="{_n(x + 6)}" y="{_n(y + 13)}">{total}</text>')
    legend, legend_h = _legend([label for label, _ in series], 16 + len(steps) * ROW_H, lines=False)
    return _svg(chart_id, 24 + len(steps) * ROW_H + legend_h, title, description,
                "".join(parts) + legend)  # fmt: skip


def _y_axis(top_value: int) -> tuple[int, int]:
    """A round tick step and the axis top; counts are whole, so the step is at least 1."""
    raw = max(top_value, 1) / 4
    magnitude = int(10 ** math.floor(math.log10(raw))) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step, max(step, math.ceil(top_value / step) * step)


def _day_label(day: datetime.date, with_year: bool) -> str:
    label = f"{day.day} {_MONTHS[day.month - 1]}"
    return f"{label} {day.year}" if with_year else label


def line_chart(
    points: Sequence[tuple[datetime.date, Sequence[int]]],
    series_labels: Sequence[str],
    *,
    title: str,
    description: str,
    id_prefix: str = "line",
) -> Markup:
    """One line per series over the days in `points`, with a marker on each day that has data."""
    days = sorted(points, key=lambda point: point[0])
    for day, values in days:
        _check_values(values, len(series_labels), f"day {day.isoformat()}")
    if len({day for day, _ in days}) != len(days):
        raise ValueError("points has the same day more than once")
    chart_id = _chart_id(
        id_prefix, "line", title, description, tuple(series_labels),
        tuple((day, tuple(values)) for day, values in days),
    )  # fmt: skip
    if not days or not series_labels:
        return _empty(chart_id, title, description)
    first, last = days[0][0], days[-1][0]
    span = (last - first).days
    step, y_top = _y_axis(max(max(values) for _, values in days))
    left = CHAR_W * len(str(y_top)) + 14
    plot_w = WIDTH - left - 16
    bottom = PLOT_TOP + PLOT_H

    def px(day: datetime.date) -> float:
        return left + (plot_w / 2 if span == 0 else plot_w * (day - first).days / span)

    def py(value: int) -> float:
        return bottom - PLOT_H * value / y_top

    parts: list[str] = []
    for tick in range(0, y_top + 1, step):
        y = py(tick)
        parts.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(left + plot_w)}" y2="{_n(y)}" '
            f'stroke="{TEXT if tick == 0 else GRID}"/>'
            f'<text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end">{tick}</text>'
        )
    count = min(MAX_X_LABELS, span + 1)
    offsets = sorted({round(k * span / (count - 1)) for k in range(count)}) if count > 1 else [0]
    for offset in offsets:
        day = first + datetime.timedelta(days=offset)
        anchor = "middle" if span == 0 or 0 < offset < span else ("start" if offset == 0 else "end")
        parts.append(
            f'<line x1="{_n(px(day))}" y1="{bottom}" x2="{_n(px(day))}" y2="{bottom + 4}" '
            f'stroke="{TEXT}"/><text x="{_n(px(day))}" y="{bottom + 18}" text-anchor="{anchor}">'
            f"{_day_label(day, first.year != last.year)}</text>"
        )
    parts.append('<g fill="none" stroke-width="2" stroke-linejoin="round">')
    for index, label in enumerate(series_labels):
        colour, marker = _colour(index), f"url(#{chart_id}-m{index})"
        parts.append(
            f'<marker id="{chart_id}-m{index}" markerWidth="6" markerHeight="6" refX="3" refY="3" '
            f'markerUnits="userSpaceOnUse"><circle cx="3" cy="3" r="2.5" fill="{colour}"/></marker>'
            f'<g stroke="{colour}"{_dash(index)} marker-start="{marker}" marker-mid="{marker}" '
            f'marker-end="{marker}"><title>{escape(label)}</title>'
        )
        # A missing day is unknown, not zero: the line breaks there instead of sloping across.
        runs: list[list[str]] = []
        previous: datetime.date | None = None
        for day, values in days:
            if previous is None or (day - previous).days > 1:
                runs.append([])
            runs[-1].append(f"{_n(px(day))},{_n(py(values[index]))}")
            previous = day
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}"/>')
            else:  # markers need a line to sit on; a lone day gets its dot drawn directly
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}" stroke="none"/>')
        parts.append("</g>")
    parts.append("</g>")
    legend, legend_h = _legend(series_labels, bottom + 30, lines=True)
    return _svg(chart_id, bottom + 36 + legend_h, title, description, "".join(parts) + legend)
