"""The dashboard's inline SVG charts: well-formed, accessible, escaped, scaled so that every
non-zero count stays visible, deterministic and small."""

from __future__ import annotations

import datetime
import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest
from jinja2 import Environment
from markupsafe import Markup

from api.pages.charts import MIN_SEGMENT, NO_DATA, PALETTE, funnel_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"
STEPS = ["Reached", "Links shared", "Clicks", "Applications", "Interviews", "Hires"]
CHANNELS = ["LinkedIn", "WhatsApp", "Email", "Direct"]
FUNNEL = [
    ("LinkedIn", [4000, 300, 500, 40, 5, 1]),
    ("WhatsApp", [2000, 250, 200, 10, 2, 0]),
    ("Email", [1500, 100, 60, 5, 0, 0]),
    ("Direct", [0, 0, 30, 3, 1, 0]),
]
HOSTILE = ["<script>alert(1)</script>", "&\"'"]
DAY = datetime.date(2024, 12, 1)


def days(count: int, series: int = 1) -> list[tuple[datetime.date, list[int]]]:
    return [
        (DAY + datetime.timedelta(days=i), [(i * 37 + j * 11) % 900 for j in range(series)])
        for i in range(count)
    ]


def parse(chart: Markup) -> ET.Element:
    assert isinstance(chart, Markup)
    return ET.fromstring(str(chart))  # noqa: S314 - our own output, parsed to check it is XML


def tag(element: ET.Element) -> str:
    return element.tag.removeprefix(NS)


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{NS}text")]


def segments(root: ET.Element) -> list[tuple[float, float, str, str]]:
    """(y, width, fill, title) of every funnel bar segment."""
    return [
        (
            float(r.get("y", "")),
            float(r.get("width", "")),
            r.get("fill", ""),
            r.findtext(f"{NS}title", ""),
        )
        for r in root.iter(f"{NS}rect")
        if r.find(f"{NS}title") is not None
    ]


def legend_entries(root: ET.Element) -> list[str]:
    """Legend labels: the texts that sit right of a swatch, below the plot."""
    swatches = [
        el
        for el in root.iter()
        if (tag(el) == "rect" and el.get("width") == "12")
        or (tag(el) == "line" and el.get("stroke-width") == "3")
    ]
    lefts = {round(float(s.get("x", s.get("x1", "0"))) + 18, 1) for s in swatches}
    return [t.text or "" for t in root.iter(f"{NS}text") if float(t.get("x", "0")) in lefts]


def assert_accessible(root: ET.Element, title: str, description: str) -> str:
    assert tag(root) == "svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("font-family") == "system-ui, sans-serif"
    assert root.get("fill") == "#222"
    x, y, w, h = (float(v) for v in root.get("viewBox", "").split())
    assert (x, y) == (0, 0)
    assert w > 0
    assert h > 0
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title_el, desc_el = root[0], root[1]
    assert (tag(title_el), title_el.get("id"), title_el.text) == ("title", title_id, title)
    assert (tag(desc_el), desc_el.get("id"), desc_el.text) == ("desc", desc_id, description)
    all_ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(all_ids) == len(set(all_ids))
    return title_id


def test_funnel_is_an_accessible_svg_with_totals_and_a_legend() -> None:
    root = parse(funnel_chart(STEPS, FUNNEL, title="Campaign funnel", description="Per channel"))
    assert_accessible(root, "Campaign funnel", "Per channel")
    shown = texts(root)
    for step in STEPS:
        assert step in shown
    for total in (7500, 650, 790, 58, 8, 1):
        assert str(total) in shown
    assert legend_entries(root) == CHANNELS
    swatch_fills = [r.get("fill") for r in root.iter(f"{NS}rect") if r.get("width") == "12"]
    assert swatch_fills == list(PALETTE[:4])
    for _, _, fill, title in segments(root):
        assert fill == PALETTE[CHANNELS.index(title.split(":")[0])]


def test_funnel_segments_follow_the_values_within_a_step() -> None:
    root = parse(funnel_chart(STEPS, FUNNEL, title="t", description="d"))
    rows: dict[float, list[tuple[int, float]]] = {}
    for y, width, _, title in segments(root):
        rows.setdefault(y, []).append((int(title.rsplit(": ", 1)[1]), width))
    assert len(rows) == len(STEPS)
    reached = rows[min(rows)]
    assert [v for v, _ in reached] == [4000, 2000, 1500]  # series order, zero channel skipped
    for row in rows.values():
        ordered = sorted(row)
        assert all(a[1] <= b[1] for a, b in itertools.pairwise(ordered))
        assert all(width >= MIN_SEGMENT for _, width in row)
    # Past the minimum, the bar is shared in proportion to the values.
    (a, wa), (b, wb) = reached[0], reached[1]
    assert (wa - MIN_SEGMENT) / (wb - MIN_SEGMENT) == pytest.approx(a / b, rel=0.01)


def test_funnel_bar_lengths_follow_the_square_root_of_the_totals() -> None:
    root = parse(funnel_chart(STEPS, FUNNEL, title="t", description="d"))
    lengths: dict[float, float] = {}
    for y, width, _, _ in segments(root):
        lengths[y] = lengths.get(y, 0) + width
    by_row = [lengths[y] for y in sorted(lengths)]
    totals = [7500, 650, 790, 58, 8, 1]
    for (ta, la), (tb, lb) in itertools.pairwise(zip(totals, by_row, strict=True)):
        assert (la > lb) == (ta > tb)
    assert by_row[2] / by_row[0] == pytest.approx(math.sqrt(790 / 7500), rel=0.02)


def test_one_hire_is_visible_next_to_500_clicks() -> None:
    chart = funnel_chart(["Clicks", "Hires"], [("LinkedIn", [500, 1])], title="t", description="d")
    (_, clicks, _, _), (_, hire, _, hire_title) = segments(parse(chart))
    assert hire_title == "LinkedIn: 1"
    assert hire >= 4 * MIN_SEGMENT  # the root scale gives one hire a real bar, not a hairline
    assert clicks / hire == pytest.approx(math.sqrt(500), rel=0.05)
    tiny = funnel_chart(
        ["Reached", "Hires"], [("A", [10**6, 1]), ("B", [10**6, 1])], title="t", description="d"
    )
    assert [w for _, w, _, _ in segments(parse(tiny))][2:] == [MIN_SEGMENT, MIN_SEGMENT]


def test_funnel_zero_step_prints_zero_and_draws_no_bar() -> None:
    root = parse(
        funnel_chart(["Clicks", "Hires"], [("Email", [12, 0])], title="t", description="d")
    )
    assert len(segments(root)) == 1
    assert texts(root) == ["Clicks", "12", "Hires", "0", "Email"]


@pytest.mark.parametrize(
    ("steps", "series"),
    [(STEPS, []), (STEPS, [("LinkedIn", [0] * 6), ("Email", [0] * 6)]), ([], [("LinkedIn", [])])],
)
def test_funnel_without_data_says_so(steps: list[str], series: list[tuple[str, list[int]]]) -> None:
    root = parse(funnel_chart(steps, series, title="Funnel", description="Nothing yet"))
    assert_accessible(root, "Funnel", "Nothing yet")
    assert texts(root) == [NO_DATA]
    assert segments(root) == []


def test_funnel_rejects_inconsistent_input() -> None:
    with pytest.raises(ValueError, match="expected 6"):
        funnel_chart(STEPS, [("LinkedIn", [1, 2])], title="t", description="d")
    with pytest.raises(ValueError, match="negative"):
        funnel_chart(["Clicks"], [("LinkedIn", [-1])], title="t", description="d")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_outside_text_is_escaped(hostile: str) -> None:
    charts = [
        funnel_chart([hostile, "Hires"], [(hostile, [5, 1])], title=hostile, description=hostile),
        line_chart(days(3), [hostile], title=hostile, description=hostile),
    ]
    for chart in charts:
        assert "<script" not in chart
        assert "alert(1)</" not in chart
        root = parse(chart)
        assert_accessible(root, hostile, hostile)
        assert not [el for el in root.iter() if tag(el) == "script"]
        assert hostile in legend_entries(root)
        # Jinja must take the chart as it is, not escape it a second time.
        assert Environment(autoescape=True).from_string("{{ c }}").render(c=chart) == chart


def test_two_charts_on_one_page_have_distinct_ids_and_output_is_deterministic() -> None:
    first = funnel_chart(STEPS, FUNNEL, title="Campaign A", description="d")
    second = funnel_chart(STEPS, FUNNEL, title="Campaign B", description="d")
    reach = line_chart(days(5), ["Clicks"], title="Campaign A", description="d")
    twin = line_chart(days(5), ["Clicks"], title="Campaign A", description="d", id_prefix="twin")
    ids = [
        {el.get("id") for el in parse(c).iter() if el.get("id")}
        for c in (first, second, reach, twin)
    ]
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            assert not a & b
    assert first == funnel_chart(STEPS, FUNNEL, title="Campaign A", description="d")
    assert reach == line_chart(days(5)[::-1], ["Clicks"], title="Campaign A", description="d")
    with pytest.raises(ValueError, match="id_prefix"):
        line_chart(days(5), ["Clicks"], title="t", description="d", id_prefix='x" onload="1')


def test_output_is_small_with_rounded_coordinates() -> None:
    channels = [*CHANNELS, "Slack", "Teams", "Referral"]
    funnel = funnel_chart(
        STEPS,
        [(c, [5000 - 300 * i, 800, 500, 40, 9, i % 2]) for i, c in enumerate(channels)],
        title="t",
        description="d",
    )
    reach = line_chart(days(60, 7), channels, title="t", description="d")
    assert len(funnel.encode()) < 6_000
    assert len(reach.encode()) < 10_000
    for chart in (funnel, reach):
        numbers = re.findall(r'(?:x|y|x1|x2|y1|y2|cx|cy|width|points)="([^"]*)"', chart)
        assert numbers
        assert not [n for n in numbers if re.search(r"\.\d\d", n)]
    # Past seven series the colours come round again; lines then tell themselves apart by dash.
    root = parse(reach)
    assert {r.get("fill") for r in root.iter(f"{NS}rect")} <= {*PALETTE, "#fff"}
    eight = parse(line_chart(days(3, 8), [*channels, "Eighth"], title="t", description="d"))
    dashed = [g.findtext(f"{NS}title") for g in eight.iter(f"{NS}g") if g.get("stroke-dasharray")]
    assert dashed == ["Eighth"]


def series_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {g.findtext(f"{NS}title", ""): g for g in root.iter(f"{NS}g") if g.get("stroke")}


def test_line_chart_draws_axes_lines_markers_and_legend() -> None:
    points = [(DAY + datetime.timedelta(days=i), [i * 10, 60 - i * 5]) for i in range(10)]
    root = parse(line_chart(points, ["Clicks", "Applications"], title="Reach", description="d"))
    assert_accessible(root, "Reach", "d")
    assert legend_entries(root) == ["Clicks", "Applications"]
    shown = texts(root)
    ticks = [int(t) for t in shown if t.isdigit()]
    assert ticks[0] == 0
    assert ticks[-1] >= 90
    assert 3 <= len(ticks) <= 6
    step = ticks[1]
    assert str(step).strip("0") in {"1", "2", "5"}
    assert ticks == list(range(0, ticks[-1] + 1, step))
    labels = [t for t in shown if "Dec" in t]
    assert labels[0] == "1 Dec"
    assert labels[-1] == "10 Dec"
    assert 3 <= len(labels) <= 5
    markers = {m.get("id") for m in root.iter(f"{NS}marker")}
    groups = series_groups(root)
    assert list(groups) == ["Clicks", "Applications"]
    for index, group in enumerate(groups.values()):
        assert group.get("stroke") == PALETTE[index]
        for attr in ("marker-start", "marker-mid", "marker-end"):
            assert group.get(attr, "").removeprefix("url(#").removesuffix(")") in markers
        (line,) = group.iter(f"{NS}polyline")
        xy = [tuple(map(float, p.split(","))) for p in line.get("points", "").split()]
        assert len(xy) == 10
        xs, ys = [x for x, _ in xy], [y for _, y in xy]
        assert xs == sorted(xs)
        values = [p[1][index] for p in points]
        # SVG y grows downwards: a higher count sits higher on the chart.
        assert sorted(range(10), key=lambda i: values[i]) == sorted(range(10), key=lambda i: -ys[i])


def test_line_chart_with_one_day_or_gaps_stays_sensible() -> None:
    one = parse(line_chart([(DAY, [7, 2])], ["A", "B"], title="t", description="d"))
    circles = [
        (c.get("cx"), float(c.get("cy", ""))) for c in one.iter(f"{NS}circle") if c.get("stroke")
    ]
    assert len(circles) == 2
    assert circles[0][0] == circles[1][0]
    assert circles[0][1] < circles[1][1]
    assert [t for t in texts(one) if "Dec" in t] == ["1 Dec"]
    gappy = [
        (DAY, [3]),
        (DAY + datetime.timedelta(days=1), [5]),
        (DAY + datetime.timedelta(days=4), [2]),
        (DAY + datetime.timedelta(days=6), [4]),
        (DAY + datetime.timedelta(days=7), [0]),
    ]
    group = series_groups(parse(line_chart(gappy, ["Clicks"], title="t", description="d")))[
        "Clicks"
    ]
    runs = [len(p.get("points", "").split()) for p in group.iter(f"{NS}polyline")]
    assert runs == [2, 2]  # a missing day breaks the line instead of bridging it
    assert len(group.findall(f"{NS}circle")) == 1
    year = parse(
        line_chart(
            [(datetime.date(2024, 12, 30), [1]), (datetime.date(2025, 1, 2), [2])],
            ["C"],
            title="t",
            description="d",
        )
    )
    assert next(t for t in texts(year) if "20" in t) == "30 Dec 2024"


@pytest.mark.parametrize(("points", "labels"), [([], ["Clicks"]), (days(3, 0), []), ([], [])])
def test_line_chart_without_data_says_so(
    points: list[tuple[datetime.date, list[int]]], labels: list[str]
) -> None:
    root = parse(line_chart(points, labels, title="Reach", description="Nothing yet"))
    assert_accessible(root, "Reach", "Nothing yet")
    assert texts(root) == [NO_DATA]
    assert root.find(f".//{NS}polyline") is None


def test_line_chart_rejects_inconsistent_input() -> None:
    with pytest.raises(ValueError, match="expected 2"):
        line_chart([(DAY, [1])], ["A", "B"], title="t", description="d")
    with pytest.raises(ValueError, match="same day"):
        line_chart([(DAY, [1]), (DAY, [2])], ["A"], title="t", description="d")
    with pytest.raises(ValueError, match="negative"):
        line_chart([(DAY, [-3])], ["A"], title="t", description="d")
