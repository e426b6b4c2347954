"""Server-drawn SVG charts: the shapes sit where the values say, the markup is
accessible and safe, and empty data gives an empty state."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from marketplace.charts import (
    HEIGHT,
    PAD_LEFT,
    PAD_RIGHT,
    PAD_TOP,
    PLOT_HEIGHT,
    PLOT_WIDTH,
    WIDTH,
    LimitLine,
    Series,
    StackRow,
    bar_chart,
    line_chart,
    nice_max,
    stacked_bars,
)

SVG = "{http://www.w3.org/2000/svg}"
PARTS = [("Device", "accent"), ("Seller", "strong"), ("Service", "warn"),
         ("Price", "muted")]  # fmt: skip
LABELS = ["1 Nov", "2 Nov", "3 Nov", "4 Nov", "5 Nov"]


def parse(markup: str) -> ET.Element:
    """The chart's <figure>, parsed as XML (it must be well formed)."""
    return ET.fromstring(markup)


def svg_of(figure: ET.Element) -> ET.Element:
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return svg


def floats(element: ET.Element, *names: str) -> tuple[float, ...]:
    return tuple(float(element.get(name)) for name in names)


def y_of(share: float) -> float:
    return PAD_TOP + PLOT_HEIGHT * (1 - share)


@pytest.mark.parametrize(
    ("value", "whole", "top"),
    [
        (0, False, Decimal(1)),
        (Decimal("0.013"), False, Decimal("0.02")),
        (Decimal("0.021"), False, Decimal("0.025")),
        (0.04, False, Decimal("0.05")),
        (Decimal("1234.50"), False, Decimal(2000)),
        (7, False, Decimal(10)),
        (3, True, Decimal(5)),
        (1, True, Decimal(1)),
        (Decimal("0.3"), True, Decimal(1)),
        (23, True, Decimal(50)),
    ],
)
def test_an_axis_tops_out_at_a_round_number(value, whole, top):
    assert nice_max(value, whole=whole) == top


def test_bars_stand_on_the_axis_as_tall_as_their_values():
    figure = parse(
        bar_chart(
            chart_id="sales",
            title="Sales per day",
            caption="7 sales.",
            labels=LABELS,
            series=Series("Sales", [0, 2, 5, None, 1]),
            whole=True,
            empty="None yet.",
        )
    )
    svg = svg_of(figure)
    assert svg.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    bars = svg.findall(f"{SVG}rect")
    # No bar for a zero or a missing day; the axis tops out at 5 sales.
    assert len(bars) == 3
    slot = PLOT_WIDTH / 5
    base = y_of(0)
    for bar, (index, value) in zip(bars, [(1, 2), (2, 5), (4, 1)], strict=True):
        x, y, width, height = floats(bar, "x", "y", "width", "height")
        assert height == pytest.approx(PLOT_HEIGHT * value / 5, abs=0.01)
        assert y + height == pytest.approx(base, abs=0.02)
        assert x == pytest.approx(PAD_LEFT + slot * index + slot * 0.1, abs=0.01)
        assert width == pytest.approx(slot * 0.8, abs=0.01)
    assert bars[1].find(f"{SVG}title").text == "3 Nov: 5"
    ticks = [t.text for t in svg.findall(f"{SVG}text")]
    # Whole ticks only (no 2.5 sales), and the days under the plot.
    assert ticks[:2] == ["0", "5"]
    assert "1 Nov" in ticks and "5 Nov" in ticks


def test_money_bars_keep_exact_amounts_in_the_table_and_round_ticks():
    figure = parse(
        bar_chart(
            chart_id="revenue",
            title="Revenue",
            caption="",
            labels=LABELS[:2],
            series=Series("Revenue", [Decimal("1234.56"), Decimal("0.01")]),
            value_text=lambda v: f"€{v}",
            tick_text=lambda v: f"€{v:.0f}",
            empty="None.",
        )
    )
    svg = svg_of(figure)
    big, _ = svg.findall(f"{SVG}rect")
    assert float(big.get("height")) == pytest.approx(
        PLOT_HEIGHT * 1234.56 / 2000, abs=0.01
    )
    assert [t.text for t in svg.findall(f"{SVG}text")][:3] == ["€0", "€1000", "€2000"]
    cells = [td.text for td in figure.iter("td")]
    assert cells == ["€1234.56", "€0.01"]


def test_a_line_joins_its_points_and_breaks_where_a_day_is_missing():
    figure = parse(
        line_chart(
            chart_id="defects",
            title="Order defect rate",
            caption="",
            labels=LABELS,
            series=[Series("Defects", [0.0, 0.01, None, 0.02, 0.03])],
            limit=LimitLine(0.02, "Limit: under 2%"),
            y_max=Decimal("0.04"),
            empty="Not measured.",
        )
    )
    svg = svg_of(figure)
    lines = svg.findall(f"{SVG}polyline")
    step = PLOT_WIDTH / 4

    def points(polyline):
        return [tuple(map(float, p.split(","))) for p in polyline.get("points").split()]

    assert len(lines) == 2
    assert points(lines[0]) == [
        pytest.approx((PAD_LEFT, y_of(0)), abs=0.01),
        pytest.approx((PAD_LEFT + step, y_of(0.25)), abs=0.01),
    ]
    assert points(lines[1]) == [
        pytest.approx((PAD_LEFT + 3 * step, y_of(0.5)), abs=0.01),
        pytest.approx((PAD_LEFT + 4 * step, y_of(0.75)), abs=0.01),
    ]
    # The limit: a dashed line across the plot at 2% of a 4% axis, labelled.
    limit = svg.find(f"{SVG}line[@class='chart-limit']")
    x1, x2, y1, y2 = floats(limit, "x1", "x2", "y1", "y2")
    assert (x1, x2) == (PAD_LEFT, WIDTH - PAD_RIGHT)
    assert y1 == y2 == pytest.approx(y_of(0.5), abs=0.01)
    label = svg.find(f"{SVG}text[@class='chart-limit-label']")
    assert label.text == "Limit: under 2%"
    # The table keeps the missing day as an empty cell.
    rows = [[c.text for c in row] for row in figure.iter("tr")][1:]
    assert rows[2] == ["3 Nov", None]
    assert rows[4] == ["5 Nov", "0.03"]


def test_a_value_standing_alone_is_a_dot():
    svg = svg_of(
        parse(
            line_chart(
                chart_id="alone",
                title="Late shipments",
                caption="",
                labels=LABELS[:3],
                series=[Series("Late", [None, Decimal("0.5"), None])],
                y_max=1,
                empty="Not measured.",
            )
        )
    )
    assert svg.findall(f"{SVG}polyline") == []
    (dot,) = svg.findall(f"{SVG}circle")
    assert floats(dot, "cx", "cy") == pytest.approx(
        (PAD_LEFT + PLOT_WIDTH / 2, y_of(0.5)), abs=0.01
    )


def test_a_line_never_leaves_its_plot():
    svg = svg_of(
        parse(
            line_chart(
                chart_id="clip",
                title="Rate",
                caption="",
                labels=LABELS[:2],
                series=[Series("Rate", [2.0, -1.0])],
                y_max=1,
                empty="",
            )
        )
    )
    (line,) = svg.findall(f"{SVG}polyline")
    ys = [float(p.split(",")[1]) for p in line.get("points").split()]
    assert ys == [pytest.approx(PAD_TOP), pytest.approx(PAD_TOP + PLOT_HEIGHT)]


def test_stacked_parts_sit_side_by_side_out_of_the_total():
    figure = parse(
        stacked_bars(
            chart_id="parts",
            title="Score parts",
            caption="",
            parts=PARTS,
            rows=[
                StackRow("SKU-1", [Decimal(30), Decimal(20), None, Decimal(5)], "55"),
                StackRow("SKU-2", [Decimal(40), Decimal(25), Decimal(20), 15], "100"),
            ],
            total=100,
            empty="Nothing.",
        )
    )
    # A bar per row, 100 units wide: each part as wide as its share of 100.
    first, second = figure.iter(f"{SVG}svg")
    assert first.get("viewBox") == "0 0 100 10"
    assert first.get("aria-hidden") == "true"  # the table says it
    segments = first.findall(f"{SVG}rect[@class]")
    assert segments[0].get("class") == "chart-track"
    parts = segments[1:]
    assert [floats(s, "x", "width") for s in parts] == [(0, 30), (30, 20), (50, 5)]
    assert parts[2].find(f"{SVG}title").text == "Price: 5"
    assert [floats(s, "width")[0] for s in second.findall(f"{SVG}rect")] == [
        100, 40, 25, 20, 15,
    ]  # fmt: skip
    # The legend names the parts; the table gives each row's figures.
    legend = ["".join(li.itertext()) for li in figure.find("ul").iter("li")]
    assert legend == ["Device", "Seller", "Service", "Price"]
    rows = [[c.text for c in row] for row in figure.iter("tr")]
    assert rows[0] == ["Item", "Device", "Seller", "Service", "Price", "Total"]
    assert rows[1] == ["SKU-1", "30", "20", None, "5", "55"]


def test_charts_are_described_for_screen_readers():
    figure = parse(
        bar_chart(
            chart_id="sales",
            title="Sales per day",
            caption="3 sales in the last 30 days.",
            labels=LABELS,
            series=Series("Sales", [1, 0, 2, 0, 0]),
            headers=("Day", "Sales"),
            empty="None.",
        )
    )
    svg = svg_of(figure)
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}desc").get("id") == desc_id
    assert svg.find(f"{SVG}desc").text == "3 sales in the last 30 days."
    wrapper = figure.find("div")
    assert wrapper.get("class") == "visually-hidden"
    table = wrapper.find("table")
    assert table.find("caption").text == "Sales per day"
    assert len(table.findall("tbody/tr")) == 5  # every day, zeros too
    caption = figure.find("figcaption")
    assert "3 sales in the last 30 days." in "".join(caption.itertext())


def test_text_is_escaped():
    markup = bar_chart(
        chart_id='x" onload="alert(1)',
        title="<script>alert(1)</script>",
        caption="Tom & Jerry's",
        labels=["<b>"],
        series=Series("S", [1]),
        empty="",
    )
    assert "<script>" not in markup and "<b>" not in markup
    assert 'onload="' not in markup
    parse(markup)  # still well formed


@pytest.mark.parametrize(
    "chart",
    [
        lambda: bar_chart(chart_id="e", title="Sales per day", caption="c",
                          labels=LABELS, series=Series("S", [0, 0, None, 0, 0]),
                          empty="No sales yet."),
        lambda: line_chart(chart_id="e", title="Sales per day", caption="c",
                           labels=LABELS, series=[Series("S", [None] * 5)],
                           empty="No sales yet."),
        lambda: stacked_bars(chart_id="e", title="Sales per day", caption="c",
                             parts=[("A", "accent")], rows=[], total=1,
                             empty="No sales yet."),
    ],
)  # fmt: skip
def test_nothing_to_draw_gives_an_empty_state(chart):
    figure = parse(chart())
    assert figure.find(f"{SVG}svg") is None
    assert figure.find("p").text == "No sales yet."
    assert "chart-is-empty" in figure.get("class")


def test_plain_ticks_are_written_as_people_write_numbers():
    svg = svg_of(
        parse(
            bar_chart(chart_id="big", title="t", caption="", labels=LABELS[:1],
                      series=Series("S", [Decimal("1800.00")]), empty="")
        )
    )  # fmt: skip
    assert [t.text for t in svg.findall(f"{SVG}text")][:3] == ["0", "1000", "2000"]


def test_a_series_must_match_its_labels():
    with pytest.raises(ValueError):
        bar_chart(chart_id="x", title="t", caption="", labels=LABELS,
                  series=Series("S", [1, 2]), empty="")  # fmt: skip
