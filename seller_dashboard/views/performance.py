"""The seller's performance: its scorecard, and per listing its rank score and
what would raise it. A fixed number of queries whatever the listing count
(``quality.selectors_metrics.performance_page``), and one for the metrics
charts (``quality.selectors_charts``)."""

from __future__ import annotations

from django.conf import settings
from django.views.decorators.http import require_safe

from quality.selectors_charts import performance_charts
from quality.selectors_metrics import PART_LABELS, performance_page
from seller_dashboard.views.access import member_required, seller_render


@require_safe
@member_required
def performance(request):
    page = performance_page(
        refurbisher=request.refurbisher, page=request.GET.get("page")
    )
    return seller_render(
        request,
        "seller/performance.html",
        {
            "performance": page,
            "part_labels": PART_LABELS,
            "min_orders": settings.SELLER_METRICS_MIN_ORDERS,
            "charts": performance_charts(
                refurbisher=request.refurbisher, rows=page.rows, weights=page.weights
            ),
        },
        current="performance",
    )
