from django.urls import path

from civic.county import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
