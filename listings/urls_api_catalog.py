"""The public catalog API, under /api/v1/catalog/."""

from rest_framework.routers import SimpleRouter

from listings.api_catalog import (
    CategoryViewSet,
    DeviceModelViewSet,
    OfferViewSet,
    VariantViewSet,
)

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="api-catalog-category")
router.register("device-models", DeviceModelViewSet, basename="api-catalog-model")
router.register("variants", VariantViewSet, basename="api-catalog-variant")
router.register("offers", OfferViewSet, basename="api-catalog-offer")

urlpatterns = router.urls
