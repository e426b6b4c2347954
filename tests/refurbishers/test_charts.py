"""The seller dashboard's charts: sales and revenue per day on the overview
(from real paid orders, by the seller's own calendar), metrics against their
limits and the rank score's parts on the performance page; each page's query
count stays fixed and no other seller's figures appear."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from marketplace.charts import PAD_TOP, PLOT_HEIGHT
from orders.models import Order, SellerOrder, SellerOrderStatus
from orders.selectors.sales_charts import sales_caption, sales_per_day
from orders.services.cancellation import seller_order_cancel_by_shopper
from quality.models import SellerMetrics
from quality.selectors_charts import metric_caption, metrics_history
from quality.services.metrics import LIMITS_BY_METRIC
from quality.services.ranking import rank_scores_recompute
from tests.support.factories import RefurbisherFactory, make_listing
from tests.support.order_builders import seller_order_paid
from tests.support.refurbisher_builders import trial_refurbisher_make

pytestmark = pytest.mark.django_db
OVERVIEW = "/seller/"
PERFORMANCE = "/seller/performance/"
SVG = "{http://www.w3.org/2000/svg}"
UTC = dt.UTC
TODAY = dt.date(2026, 11, 22)  # winter: Paris is UTC+1


def paid_at(seller_order: SellerOrder, when: dt.datetime) -> SellerOrder:
    """Date a really paid seller order back to ``when`` (the payment's time)."""
    SellerOrder.objects.filter(pk=seller_order.pk).update(paid_at=when)
    seller_order.refresh_from_db()
    return seller_order


def sale(refurbisher, when: dt.datetime | None = None, **listing) -> SellerOrder:
    seller_order = seller_order_paid(refurbisher=refurbisher, **listing)
    return paid_at(seller_order, when) if when else seller_order


def dollar_sale(refurbisher, when: dt.datetime, total: str) -> SellerOrder:
    """A paid seller order in dollars, written as stored.

    No checkout sells one refurbisher's devices in two currencies today (a
    US seller sells in the US only), but its history may hold both (a
    seller that moved): the chart must keep them apart.
    """
    amount = Decimal(total)
    order = Order.objects.create(
        reference=secrets.token_hex(6).upper(), access_token=secrets.token_hex(16),
        email="sam@example.com", market="US", currency="USD", ship_name="Sam",
        ship_line1="1 Main St", ship_postal_code="10001", ship_city="New York",
        ship_country="US", items_amount=amount, shipping_amount=0,
        total_amount=amount, status="paid", expires_at=when, paid_at=when,
    )  # fmt: skip
    return SellerOrder.objects.create(
        order=order, refurbisher=refurbisher, status=SellerOrderStatus.PAID,
        currency="USD", items_amount=amount, shipping_amount=0, total_amount=amount,
        commission_rate=Decimal("0.1"), paid_at=when,
    )  # fmt: skip


def figure(html: str, chart_id: str) -> ET.Element:
    match = re.search(rf'<figure class="chart[^"]*" id="{chart_id}">.*?</figure>', html)
    assert match, f"no chart {chart_id}"
    return ET.fromstring(match.group(0))


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Sales and revenue per day -----------------------------------------------------


def test_a_sale_paid_at_2330_utc_counts_on_the_sellers_next_day_in_paris(shop):
    _, refurbisher = shop
    sale(refurbisher, dt.datetime(2026, 11, 20, 23, 30, tzinfo=UTC))  # 00:30 on 21
    sale(refurbisher, dt.datetime(2026, 11, 20, 22, 30, tzinfo=UTC))  # 23:30 on 20
    sale(refurbisher, dt.datetime(2026, 11, 22, 22, 59, tzinfo=UTC))  # 23:59 on 22
    # Past the seller's today and before its 90 days: not on the chart.
    sale(refurbisher, dt.datetime(2026, 11, 22, 23, 0, tzinfo=UTC))
    sale(refurbisher, dt.datetime(2026, 8, 24, 21, 59, tzinfo=UTC))  # 23:59 CEST

    data = sales_per_day(refurbisher=refurbisher, today=TODAY)

    assert len(data.days) == len(data.sales) == 90
    assert data.days[0] == dt.date(2026, 8, 25) and data.days[-1] == TODAY
    by_day = dict(zip(data.days, data.sales, strict=True))
    assert by_day[dt.date(2026, 11, 20)] == 1
    assert by_day[dt.date(2026, 11, 21)] == 1
    assert by_day[TODAY] == 1
    assert data.total_sales == 3


def test_revenue_is_summed_per_currency_as_decimal(shop):
    _, refurbisher = shop
    day = dt.datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    sale(refurbisher, day, price="199.99", shipping="5.00")
    sale(refurbisher, day, price="300.02")
    dollar_sale(refurbisher, day, "249.50")

    data = sales_per_day(refurbisher=refurbisher, today=TODAY)

    assert list(data.revenue) == ["EUR", "USD"]
    eur, usd = data.revenue["EUR"][-2], data.revenue["USD"][-2]
    assert isinstance(eur, Decimal) and eur == Decimal("505.01")
    assert isinstance(usd, Decimal) and usd == Decimal("249.50")
    assert data.revenue["EUR"][-1] == Decimal("0.00")
    assert data.sales[-2] == 3


def test_cancelled_and_unpaid_orders_are_not_sales(shop):
    _, refurbisher = shop
    kept = sale(refurbisher)
    cancelled = sale(refurbisher)
    seller_order_cancel_by_shopper(seller_order=cancelled, actor=None)
    # A checkout started and never paid: no paid_at, not a sale.
    listing = make_listing(refurbisher=refurbisher, prices={"FR": "120.00"})
    from orders.services.checkout import CheckoutLine, checkout_start
    from tests.support.order_builders import PARIS

    checkout_start(
        lines=[CheckoutLine(listing.offers.get(market="FR").pk, 1)],
        email="a@example.com", address=PARIS, market="FR", user=None,
    )  # fmt: skip

    data = sales_per_day(refurbisher=refurbisher)

    assert data.total_sales == 1
    assert data.revenue["EUR"][-1] == kept.total_amount


def test_another_sellers_sales_never_appear(client, shop):
    owner, refurbisher = shop
    other = RefurbisherFactory(name="Other Shop")
    sale(other, price="777.00")
    sale(other, price="777.00")
    sale(refurbisher, price="123.00")

    data = sales_per_day(refurbisher=refurbisher)
    html = page(client, owner, OVERVIEW)

    assert data.total_sales == 1
    assert data.revenue["EUR"][-1] == Decimal("123.00")
    assert "777" not in html and "1 554" not in html
    assert "1 sale in the last 30 days" in html


def test_the_overview_draws_sales_and_revenue_with_plain_captions(client, shop):
    owner, refurbisher = shop
    now = timezone.now()
    for days_ago in (1, 1, 2, 40):
        sale(refurbisher, now - dt.timedelta(days=days_ago), price="100.00")

    html = page(client, owner, OVERVIEW)

    sales = figure(html, "chart-sales")
    assert "".join(sales.find("figcaption").itertext()) == (
        "Sales per day 3 sales in the last 30 days, up from 1 sale in the 30 "
        "days before. 4 sales over 90 days."
    )
    bars = sales.findall(f".//{SVG}rect")
    heights = sorted(round(float(bar.get("height")), 2) for bar in bars)
    # Days of 1, 1 and 2 sales on an axis topped at 2.
    assert heights == [round(PLOT_HEIGHT / 2, 2)] * 2 + [round(PLOT_HEIGHT, 2)]
    revenue = figure(html, "chart-revenue-eur")
    caption = "".join(revenue.find("figcaption").itertext())
    assert "300,00\u00a0€ in the last 30 days, up from 100,00\u00a0€" in caption
    table_cells = [td.text for td in revenue.iter("td")]
    assert table_cells.count("200,00\u00a0€") == 1
    assert "Europe/Paris" in html


def test_an_overview_without_sales_says_so(client, shop):
    owner, _ = shop
    html = page(client, owner, OVERVIEW)
    assert "No sales in the last 90 days yet." in html
    assert "<svg" not in html.split('id="sales-charts-title"')[1]
    assert "Needs your action" in html  # the rest of the overview is still there


def test_sales_captions_say_which_way_sales_went():
    assert sales_caption([0] * 60 + [1] * 30) == (
        "30 sales in the last 30 days, up from 0 sales in the 30 days before. "
        "30 sales over 90 days."
    )
    assert sales_caption([0] * 30 + [1] * 30 + [0] * 30).startswith(
        "0 sales in the last 30 days, down from 30 sales"
    )
    assert "the same as in the 30 days before" in sales_caption([1] * 90)


def test_the_overview_costs_a_fixed_number_of_queries(
    client, shop, django_assert_num_queries
):
    owner, refurbisher = shop
    client.force_login(owner)
    client.get(OVERVIEW)
    # Seven before the charts (user, membership, sale day, trial sales, messages,
    # actions, metrics warning), and one for both charts.
    with django_assert_num_queries(8):
        assert client.get(OVERVIEW).status_code == 200
    for days_ago in range(6):
        sale(refurbisher, timezone.now() - dt.timedelta(days=days_ago * 7))
    dollar_sale(refurbisher, timezone.now(), "10.00")
    with django_assert_num_queries(8):
        html = client.get(OVERVIEW).content.decode()
    assert 'id="chart-revenue-usd"' in html and 'id="chart-revenue-eur"' in html


# --- Metrics and rank parts ---------------------------------------------------------


def metrics_rows(refurbisher, rates: dict[int, float | None], **fixed):
    """One SellerMetrics row per day ago, with that defect rate."""
    today = timezone.localdate()
    for days_ago, rate in rates.items():
        SellerMetrics.objects.create(
            refurbisher=refurbisher, day=today - dt.timedelta(days=days_ago),
            sales=20, defect_rate=rate, **fixed,
        )  # fmt: skip


def test_metrics_history_reads_each_days_row_and_leaves_gaps(shop):
    _, refurbisher = shop
    metrics_rows(refurbisher, {0: 0.02, 1: 0.005, 3: None, 95: 0.5})
    metrics_rows(RefurbisherFactory(), {0: 0.9, 2: 0.9})

    history = metrics_history(refurbisher=refurbisher)

    assert len(history.days) == 90 and history.days[-1] == timezone.localdate()
    defects = history.rates["defect_rate"]
    assert defects[-1] == 0.02 and defects[-2] == 0.005
    assert defects[-3] is None  # another seller's row that day is not read
    assert defects[-4] is None  # a row measured nothing
    assert all(v is None for v in defects[:-2])  # 95 days ago is out of range
    assert history.measured


def test_the_metrics_chart_draws_the_rate_and_its_limit(client, shop, settings):
    settings.ORDER_DEFECT_RATE_MAX = 0.02
    owner, refurbisher = shop
    metrics_rows(refurbisher, {2: 0.01, 1: 0.03, 0: 0.015}, late_shipment_rate=0.0)

    html = page(client, owner, PERFORMANCE)

    chart = figure(html, "chart-defect-rate")
    caption = "".join(chart.find("figcaption").itertext())
    assert "1.5% on " in caption and "within the limit (under 2%)" in caption
    assert "Over it on 1 of the 3 days measured." in caption
    svg = chart.find(f"{SVG}svg")
    (line,) = svg.findall(f"{SVG}polyline")
    ys = [float(p.split(",")[1]) for p in line.get("points").split()]
    top = 0.05  # the axis: room above the limit and the highest rate

    def y(rate):
        return pytest.approx(PAD_TOP + PLOT_HEIGHT * (1 - rate / top), abs=0.01)

    assert ys == [y(0.01), y(0.03), y(0.015)]
    limit = svg.find(f"{SVG}line[@class='chart-limit']")
    assert float(limit.get("y1")) == y(0.02)
    assert svg.find(f"{SVG}text[@class='chart-limit-label']").text == (
        "Limit: under 2%"
    )
    # Late shipments measured 0% every day; valid tracking never measured.
    assert "Within it on every one of the 3 days" in html
    tracking = figure(html, "chart-valid-tracking-rate")
    assert tracking.find(f"{SVG}svg") is None
    assert "Not measured in the last 90 days yet." in "".join(tracking.itertext())


def test_metric_captions_judge_minimum_rates_from_below():
    limit = LIMITS_BY_METRIC["valid_tracking_rate"]
    days = [dt.date(2026, 11, 20), dt.date(2026, 11, 21)]
    text = metric_caption(days, [0.99, settings.VALID_TRACKING_RATE_MIN - 0.1], limit)
    assert text.startswith(
        f"{round((settings.VALID_TRACKING_RATE_MIN - 0.1) * 100)}% on 21 Nov, over "
        "the limit (at least"
    )
    assert text.endswith("Over it on 1 of the 2 days measured.")
    first = metric_caption(days[:1], [1.0], limit)
    assert first == f"100% on 20 Nov, within the limit ({limit.describe()})."


def test_a_performance_page_without_figures_or_listings_has_empty_states(client, shop):
    owner, _ = shop
    html = page(client, owner, PERFORMANCE)
    assert "No figures yet: these charts fill in day by day" in html
    assert "No ranked listings yet" in html
    assert (
        "<svg"
        not in html.split('id="metrics-charts-title"')[1].split('id="weights-title"')[0]
    )


def test_the_rank_parts_chart_shows_the_lowest_scored_listings(client, shop):
    owner, refurbisher = shop
    make_listing(refurbisher=refurbisher, sku="DEAR", prices={"FR": "500.00"})
    make_listing(refurbisher=refurbisher, sku="CHEAP", prices={"FR": "300.00"},
                 warranty_months=24, battery_min_pct=100)  # fmt: skip
    make_listing(refurbisher=RefurbisherFactory(), sku="THEIRS", prices={"FR": "9"})
    rank_scores_recompute()

    html = page(client, owner, PERFORMANCE)

    chart = figure(html, "chart-rank-parts")
    rows = [[c.text for c in row] for row in chart.iter("tr")][1:]
    assert [row[0].split(" · ")[0] for row in rows] == ["DEAR", "CHEAP"]
    # Each row's parts add up to its score (points out of 100).
    for row in rows:
        points = sum(Decimal(cell.split()[0]) for cell in row[1:5] if cell)
        score = Decimal(row[5].split()[0])
        assert abs(points - score) <= 1
    assert len(chart.findall(f".//{SVG}rect[@class='chart-track']")) == 2
    assert "scores lowest" in "".join(chart.find("figcaption").itertext())
    assert "THEIRS" not in html


def test_the_performance_page_costs_a_fixed_number_of_queries(
    client, shop, django_assert_num_queries
):
    owner, refurbisher = shop
    make_listing(refurbisher=refurbisher, sku="FIRST", prices={"FR": "300"})
    rank_scores_recompute()
    client.force_login(owner)
    client.get(PERFORMANCE)
    # Six before the charts (user, membership, metrics, count, listings,
    # offers), and one for the metrics history; the parts chart reuses rows.
    with django_assert_num_queries(7):
        assert client.get(PERFORMANCE).status_code == 200
    metrics_rows(refurbisher, {n: 0.01 * (n % 3) for n in range(90)})
    for number in range(24):
        make_listing(refurbisher=refurbisher, sku=f"L{number}", prices={"FR": "300"})
    rank_scores_recompute()
    with django_assert_num_queries(7):
        html = client.get(PERFORMANCE).content.decode()
    assert html.count("chart-track") == 8


# --- In a browser ------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_charts_fit_a_phone_and_sit_side_by_side_on_a_desktop(live_server, page):
    """Real Chromium: the charts scale to a 360 px screen with readable text,
    the figures' tables stay hidden, and a desktop shows two charts a row."""
    from playwright.sync_api import expect

    from tests.support.refurbisher_builders import PASSWORD

    owner, refurbisher = trial_refurbisher_make(daily_sales_cap=50)
    for days_ago in (0, 1, 1, 5, 40):
        sale(refurbisher, timezone.now() - dt.timedelta(days=days_ago))
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + OVERVIEW)

    chart = page.get_by_role("img", name="Sales per day")
    expect(chart).to_be_visible()
    section = page.locator(".charts")
    box, frame = chart.bounding_box(), section.bounding_box()
    assert 250 < box["width"] <= frame["width"]
    assert section.evaluate("s => s.scrollWidth <= s.clientWidth")
    tick = page.locator("#chart-sales .chart-tick").first.bounding_box()
    assert tick["height"] >= 9  # text scaled with the drawing stays readable
    table = page.locator("#chart-sales .visually-hidden").bounding_box()
    assert table["width"] <= 1 and table["height"] <= 1  # for screen readers only

    page.set_viewport_size({"width": 1280, "height": 900})
    sales = page.locator("#chart-sales").bounding_box()
    revenue = page.locator("#chart-revenue-eur").bounding_box()
    assert revenue["x"] > sales["x"] + sales["width"] - 1
    assert abs(revenue["y"] - sales["y"]) < 2
