"""Civic's URL map: one include per app, the admin, sign-in and the language switch."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("civic.core.urls")),
    path("", include("civic.county.urls")),
    path("water/", include("civic.water.urls")),
    path("dogs/", include("civic.dogs.urls")),
    path("programme/", include("civic.programme.urls")),
    path("farmland/", include("civic.farmland.urls")),
    path("evaluation/", include("civic.evaluation.urls")),
    path("notices/", include("civic.notices.urls")),
    path("api/", include("civic.api.urls")),
]
