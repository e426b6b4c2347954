"""Charts drawn on the server as inline SVG: no JavaScript library, no CDN.

Each chart is a ``<figure>``: its title and a plain-language caption, the SVG
(``role="img"`` with a title and a description, scaled to the width of its
box by its viewBox), and the same figures as a table hidden visually but read
by screen readers. Stacked bars are a list of rows instead (their labels are
page text, readable on a phone), hidden from screen readers in favour of the
table. An empty series gives an empty state instead of a blank frame. Colours
come from ``static/css/charts.css`` (the site's palette).

Values may be ``Decimal`` (money stays Decimal up to here, and the axis
labels are computed in Decimal); only drawing coordinates are floats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal
ValueText = Callable[[Decimal], str]

# The drawing's own units; the SVG scales to its box (width 100% in CSS), so
# these fix proportions and the text size relative to the plot, not pixels.
WIDTH, HEIGHT = 400, 190
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 64, 10, 14, 26
PLOT_WIDTH = WIDTH - PAD_LEFT - PAD_RIGHT
PLOT_HEIGHT = HEIGHT - PAD_TOP - PAD_BOTTOM
BAR_GAP = 0.2  # share of a day's slot left empty between bars
# Stacked bars: 100 units wide (a part's width is its percentage), stretched.
STACK_WIDTH, STACK_BAR = 100, 10
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
WHOLE_STEPS = (Decimal(1), Decimal(2), Decimal(5), Decimal(10))


@dataclass(frozen=True)
class Series:
    """One line (or one set of bars) of a chart, a value per label; None is a gap."""

    name: str
    values: Sequence[Number | None]
    tone: str = "accent"  # a colour of charts.css: accent, warn, muted, ...


@dataclass(frozen=True)
class LimitLine:
    """A horizontal line a series should stay below (or above): a seller's limit."""

    value: Number
    label: str  # "Limit: under 1%"


@dataclass(frozen=True)
class StackRow:
    """One horizontal bar of a stacked bar chart: an item and its parts."""

    label: str
    values: Sequence[Number | None]  # one per part, in the chart's part order
    note: str = ""  # shown after the label ("62 of 100")


# --- Scales -----------------------------------------------------------------------


def as_decimal(value: Number) -> Decimal:
    """A value as Decimal without float noise (0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def nice_max(value: Number, *, whole: bool = False) -> Decimal:
    """The smallest round number at least ``value`` (1, 2, 2.5 or 5 times a
    power of ten), for the top of an axis; 1 when there is nothing to show.

    ``whole`` keeps to 1, 2 and 5 times a power of ten of at least 1, for
    counts (no "2.5 sales" on the axis).
    """
    value = as_decimal(value)
    if value <= 0:
        return Decimal(1)
    steps = WHOLE_STEPS if whole else NICE_STEPS
    power = Decimal(10) ** (value.adjusted())
    for step in steps:
        if step * power >= value:
            top = step * power
            return max(top, Decimal(1)) if whole else top
    return Decimal(10) * power  # not reached: 10 times the power is always enough


def _ticks(top: Decimal, *, whole: bool) -> list[Decimal]:
    half = top / 2
    if whole and half != half.to_integral_value():
        return [Decimal(0), top]
    return [Decimal(0), half, top]


def _y(value: Number, top: Decimal) -> float:
    share = float(as_decimal(value) / top) if top else 0.0
    share = min(max(share, 0.0), 1.0)
    return PAD_TOP + PLOT_HEIGHT * (1 - share)


def _n(number: float) -> str:
    """A coordinate as SVG text: two decimals at most."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# --- Markup pieces ----------------------------------------------------------------


def _text(x: float, y: float, content: str, cls: str, anchor: str = "start") -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" class="{cls}" text-anchor="{anchor}">'
        f"{escape(content)}</text>"
    )


def _y_axis(top: Decimal, value_text: ValueText, *, whole: bool) -> list[str]:
    parts = []
    for tick in _ticks(top, whole=whole):
        y = _y(tick, top)
        parts.append(
            f'<line class="chart-gridline" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" '
            f'y1="{_n(y)}" y2="{_n(y)}"/>'
        )
        parts.append(_text(PAD_LEFT - 6, y + 4, value_text(tick), "chart-tick", "end"))
    return parts


def _x_axis(labels: Sequence[str], x_of: Callable[[int], float]) -> list[str]:
    """The first, last and two labels between, under the plot."""
    count = len(labels)
    if not count:
        return []
    picks = sorted({0, count // 3, (2 * count) // 3, count - 1})
    parts = []
    for index in picks:
        anchor = "middle"
        if index == 0:
            anchor = "start"
        elif index == count - 1:
            anchor = "end"
        x = x_of(index)
        parts.append(_text(x, HEIGHT - 8, labels[index], "chart-tick", anchor))
    return parts


def _svg(chart_id: str, title: str, description: str, body: list[str]) -> str:
    return (
        f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    # The wrapper hides it: a table grows to its content whatever its width.
    return (
        f'<div class="visually-hidden"><table><caption>{escape(title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _figure(
    chart_id: str, title: str, caption: str, svg: str, table: str, legend: str = ""
) -> SafeString:
    return mark_safe(  # every text in it went through escape()
        f'<figure class="chart" id="{chart_id}">'
        f'<figcaption class="chart-caption"><span class="chart-title">'
        f"{escape(title)}</span> {escape(caption)}</figcaption>"
        f"{legend}{svg}{table}</figure>"
    )


def chart_empty(*, chart_id: str, title: str, text: str) -> SafeString:
    """The empty state of a chart: its title and what will show here."""
    return mark_safe(  # escaped above
        f'<figure class="chart chart-is-empty" id="{escape(chart_id)}">'
        f'<figcaption class="chart-caption"><span class="chart-title">'
        f"{escape(title)}</span></figcaption>"
        f'<p class="chart-empty">{escape(text)}</p></figure>'
    )


def _legend(items: Sequence[tuple[str, str]]) -> str:
    keys = "".join(
        f'<li><span class="chart-key chart-tone-{escape(tone)}" aria-hidden="true">'
        f"</span>{escape(name)}</li>"
        for name, tone in items
    )
    return f'<ul class="chart-legend" aria-hidden="true">{keys}</ul>'


def _safe_id(chart_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in chart_id)


def _plain(value: Number) -> str:
    """A number as people write it: 1000, not 1E+3; 2.5, not 2.50."""
    return format(as_decimal(value).normalize(), "f")


# --- Charts -----------------------------------------------------------------------


def bar_chart(
    *,
    chart_id: str,
    title: str,
    caption: str,
    labels: Sequence[str],
    series: Series,
    value_text: ValueText = _plain,
    tick_text: ValueText | None = None,
    empty: str,
    whole: bool = False,
    headers: tuple[str, str] = ("Day", "Value"),
    y_max: Number | None = None,
) -> SafeString:
    """Vertical bars, one per label (a day), from zero up to its value.

    ``empty`` is said instead when no value is above zero. ``whole`` marks
    counts (axis ticks stay whole numbers). ``value_text`` writes a value
    (tooltips, the table), ``tick_text`` the axis (rounder; default the same).
    """
    chart_id = _safe_id(chart_id)
    values = list(series.values)
    if len(values) != len(labels):
        raise ValueError("A bar chart needs one value per label.")
    if not any(v is not None and as_decimal(v) > 0 for v in values):
        return chart_empty(chart_id=chart_id, title=title, text=empty)
    highest = max(as_decimal(v) for v in values if v is not None)
    top = as_decimal(y_max) if y_max is not None else nice_max(highest, whole=whole)
    slot = PLOT_WIDTH / len(values)
    width = slot * (1 - BAR_GAP)
    base = _y(0, top)

    def x_of(index: int) -> float:
        return PAD_LEFT + slot * index + slot / 2

    body = _y_axis(top, tick_text or value_text, whole=whole)
    for index, value in enumerate(values):
        if value is None or as_decimal(value) <= 0:
            continue
        y = _y(value, top)
        body.append(
            f'<rect class="chart-bar chart-tone-{escape(series.tone)}" '
            f'x="{_n(PAD_LEFT + slot * index + (slot - width) / 2)}" y="{_n(y)}" '
            f'width="{_n(width)}" height="{_n(base - y)}">'
            f"<title>{escape(labels[index])}: {escape(value_text(as_decimal(value)))}"
            "</title></rect>"
        )
    body.append(
        f'<line class="chart-axis" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" '
        f'y1="{_n(base)}" y2="{_n(base)}"/>'
    )
    body += _x_axis(labels, x_of)
    rows = [
        (label, "" if v is None else value_text(as_decimal(v)))
        for label, v in zip(labels, values, strict=True)
    ]
    return _figure(
        chart_id,
        title,
        caption,
        _svg(chart_id, title, caption, body),
        _table(title, headers, rows),
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    caption: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_text: ValueText = _plain,
    tick_text: ValueText | None = None,
    empty: str,
    limit: LimitLine | None = None,
    y_max: Number | None = None,
    header: str = "Day",
) -> SafeString:
    """Lines over the labels (days), from zero up; a None value breaks the
    line. An optional limit is drawn as a dashed line with its label.

    ``empty`` is said instead when no series has a value.
    """
    chart_id = _safe_id(chart_id)
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError("A line chart needs one value per label.")
    known = [as_decimal(v) for one in series for v in one.values if v is not None]
    if not known:
        return chart_empty(chart_id=chart_id, title=title, text=empty)
    if y_max is not None:
        top = as_decimal(y_max)
    else:
        highest = max([*known, as_decimal(limit.value) if limit else Decimal(0)])
        top = nice_max(highest)
    count = len(labels)

    def x_of(index: int) -> float:
        if count == 1:
            return PAD_LEFT + PLOT_WIDTH / 2
        return PAD_LEFT + PLOT_WIDTH * index / (count - 1)

    body = _y_axis(top, tick_text or value_text, whole=False)
    if limit is not None:
        y = _y(limit.value, top)
        body.append(
            f'<line class="chart-limit" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" '
            f'y1="{_n(y)}" y2="{_n(y)}"/>'
        )
        # The label sits above the line, or under it when the line is at the top.
        label_y = y - 5 if y - 5 > PAD_TOP + 8 else y + 13
        body.append(
            _text(WIDTH - PAD_RIGHT, label_y, limit.label, "chart-limit-label", "end")
        )
    for one in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(one.values):
            if value is None:
                if runs[-1]:
                    runs.append([])
                continue
            runs[-1].append((x_of(index), _y(value, top)))
        tone = escape(one.tone)
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
                body.append(
                    f'<polyline class="chart-line chart-tone-{tone}" '
                    f'points="{points}"/>'
                )
        # A dot on the latest value, and on values standing alone.
        for run in runs:
            if len(run) == 1:
                x, y = run[0]
                body.append(
                    f'<circle class="chart-dot chart-tone-{tone}" cx="{_n(x)}" '
                    f'cy="{_n(y)}" r="3"/>'
                )
        last = next((run[-1] for run in reversed(runs) if len(run) > 1), None)
        if last is not None:
            body.append(
                f'<circle class="chart-dot chart-tone-{tone}" cx="{_n(last[0])}" '
                f'cy="{_n(last[1])}" r="3"/>'
            )
    body.append(
        f'<line class="chart-axis" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" '
        f'y1="{_n(_y(0, top))}" y2="{_n(_y(0, top))}"/>'
    )
    body += _x_axis(labels, x_of)
    headers = [header, *(one.name for one in series)]
    rows = [
        (
            label,
            *(
                "" if one.values[i] is None else value_text(as_decimal(one.values[i]))
                for one in series
            ),
        )
        for i, label in enumerate(labels)
    ]
    legend = (
        _legend([(one.name, one.tone) for one in series]) if len(series) > 1 else ""
    )
    return _figure(
        chart_id,
        title,
        caption,
        _svg(chart_id, title, caption, body),
        _table(title, headers, rows),
        legend,
    )


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    caption: str,
    parts: Sequence[tuple[str, str]],
    rows: Sequence[StackRow],
    total: Number,
    value_text: ValueText = _plain,
    empty: str,
    header: str = "Item",
) -> SafeString:
    """One horizontal bar per row, its parts side by side out of ``total``
    (the rest of the track is what is still to gain).

    ``parts`` are (name, tone) pairs, in the order of each row's values. Each
    row's label is text of the page (readable on a phone whatever the bar's
    width) above a bar drawn 100 units wide, so a part's width is its share
    of the total in percent.
    """
    chart_id = _safe_id(chart_id)
    if not rows:
        return chart_empty(chart_id=chart_id, title=title, text=empty)
    top = as_decimal(total)
    items = []
    for row in rows:
        if len(row.values) != len(parts):
            raise ValueError("A stacked bar needs one value per part.")
        body = [
            f'<rect class="chart-track" x="0" y="0" width="{STACK_WIDTH}" '
            f'height="{STACK_BAR}"/>'
        ]
        x = 0.0
        for (name, tone), value in zip(parts, row.values, strict=True):
            if value is None or as_decimal(value) <= 0:
                continue
            share = min(as_decimal(value) / top, Decimal(1))
            width = STACK_WIDTH * float(share)
            body.append(
                f'<rect class="chart-segment chart-tone-{escape(tone)}" '
                f'x="{_n(x)}" y="0" width="{_n(width)}" height="{STACK_BAR}">'
                f"<title>{escape(name)}: {escape(value_text(as_decimal(value)))}"
                "</title></rect>"
            )
            x += width
        note = f' <span class="chart-row-note">{escape(row.note)}</span>'
        items.append(
            f'<li><span class="chart-row-label">{escape(row.label)}</span>'
            f"{note if row.note else ''}"
            f'<svg class="chart-stack" viewBox="0 0 {STACK_WIDTH} {STACK_BAR}" '
            f'preserveAspectRatio="none" aria-hidden="true" focusable="false" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg></li>'
        )
    table_rows = [
        (
            row.label,
            *("" if v is None else value_text(as_decimal(v)) for v in row.values),
            row.note,
        )
        for row in rows
    ]
    # The bars are hidden from screen readers: the table says the same.
    bars = f'<ul class="chart-stacks" aria-hidden="true">{"".join(items)}</ul>'
    return _figure(
        chart_id,
        title,
        caption,
        bars,
        _table(title, [header, *(name for name, _ in parts), "Total"], table_rows),
        _legend(parts),
    )
