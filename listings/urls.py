from django.urls import path

from listings import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search-suggest"),
    path("c/<slug:category_slug>/", views.category, name="category"),
    path("d/<slug:model_slug>/", views.device, name="device"),
    path(
        "img/device/<slug:kind>/<slug:colour>.svg",
        views.device_image,
        name="device-image",
    ),
    path("about/<slug:section>/", views.info, name="info"),
]
