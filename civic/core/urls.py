from django.contrib.auth import views as auth_views
from django.urls import path

from civic.core import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("regions.geojson", views.regions_geojson, name="regions_geojson"),
    path("health/", views.health, name="health"),
]
