"""The printable warranty certificate, opened by its unguessable token.

The token is the only key: whoever holds the link (the buyer, from the order
page or the delivery email) may show the certificate, for instance to a
repairer; an unknown token is a 404.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from orders.selectors.fulfilment import warranty_for_certificate
from orders.services.warranty import COVERS, EXCLUDES


@require_safe
def certificate(request, token: str):
    warranty = warranty_for_certificate(token=token)
    if warranty is None:
        raise Http404("No such warranty certificate.")
    seller_order = warranty.line.seller_order
    response = render(
        request,
        "orders/warranty_certificate.html",
        {
            "warranty": warranty,
            "line": warranty.line,
            "order": seller_order.order,
            "refurbisher": seller_order.refurbisher,
            "covers": COVERS,
            "excludes": EXCLUDES,
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response
