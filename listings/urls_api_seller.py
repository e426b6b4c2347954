"""The seller API's listings, under /api/v1/seller/listings/."""

from rest_framework.routers import SimpleRouter

from listings.api_seller import ListingViewSet

router = SimpleRouter()
router.register("listings", ListingViewSet, basename="api-seller-listing")

urlpatterns = router.urls
