"""Reads of the public catalog API (listings/api_catalog.py): each list is a
fixed number of queries, whatever its length."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower

from listings.models import Category, DeviceModel, Offer, Variant


def categories_for_api() -> QuerySet[Category]:
    """Every category, in the shop's order."""
    return Category.objects.order_by("position", "name", "id")


def device_models_for_api(*, with_variants: bool = False) -> QuerySet[DeviceModel]:
    """Device models by brand then name, case-blind (so "iPhone" sorts among the
    I's, not after every capital); ``with_variants`` fetches their variants too."""
    models = DeviceModel.objects.select_related("brand", "category").order_by(
        Lower("brand__name"), Lower("name"), "id"
    )
    if with_variants:
        models = models.prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by(
                "storage_gb", "colour", "connectivity", "id"))
        )  # fmt: skip
    return models


def device_model_by_slug_or_id(
    models: QuerySet[DeviceModel], value: str, pk: int | None
) -> DeviceModel | None:
    """The model whose slug is ``value``, else the one whose id is ``pk``."""
    model = models.filter(slug=value).first()
    if model is None and pk is not None:
        model = models.filter(pk=pk).first()
    return model


def variants_for_api() -> QuerySet[Variant]:
    """Every variant, grouped by device model."""
    return Variant.objects.order_by(
        "device_model_id", "storage_gb", "colour", "connectivity", "id"
    )


def offers_on_sale_for_api() -> QuerySet[Offer]:
    """Offers a shopper can buy now, with what the API shows of each."""
    return Offer.objects.filter(is_purchasable=True).select_related(
        "listing", "refurbisher", "variant", "device_model__brand"
    )
