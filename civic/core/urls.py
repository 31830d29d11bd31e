from django.contrib.auth import views as auth_views
from django.urls import path

from civic.core import job_views, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("regions.geojson", views.regions_geojson, name="regions_geojson"),
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<int:job_id>/", job_views.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/status.json", job_views.job_status, name="job_status"),
    path("jobs/<int:job_id>/retry/", job_views.job_retry, name="job_retry"),
    path("jobs/<int:job_id>/file/", job_views.job_file, name="job_file"),
    path("health/", views.health, name="health"),
]
