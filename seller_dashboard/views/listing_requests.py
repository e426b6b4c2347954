"""'Device model missing?': the refurbisher asks QA to add a model, and sees
its requests with QA's answers."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from listings.exceptions import ListingError
from listings.selectors.seller_listings import model_requests_for_seller
from listings.services.model_requests import device_model_request_create
from seller_dashboard.forms_listings import ModelRequestForm
from seller_dashboard.views.access import member_required, seller_render


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def model_requests(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = ModelRequestForm(request.POST)
        if form.is_valid():
            try:
                device_model_request_create(
                    refurbisher=request.refurbisher,
                    actor=request.user,
                    **form.cleaned_data,
                )
            except ListingError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
            else:
                messages.success(
                    request,
                    gettext(
                        "Request sent: QA will add the model or tell you why not, "
                        "by email."
                    ),
                )
                return redirect("seller:model-requests")
        status = 400
    else:
        form = ModelRequestForm()
    return seller_render(
        request,
        "seller/listing_requests.html",
        {
            "form": form,
            "requests": model_requests_for_seller(refurbisher=request.refurbisher),
        },
        current="listings",
        status=status,
    )
