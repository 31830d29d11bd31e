from django.urls import path

from civic.farmland import views

app_name = "farmland"

urlpatterns = [
    path("", views.progress, name="progress"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_edit, name="project_create"),
    path("projects/import/", views.import_projects, name="import_projects"),
    path("projects/export/", views.export_projects, name="export_projects"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("coefficient/", views.coefficient, name="coefficient"),
    path("coefficient/new/", views.year_edit, name="year_create"),
    path("coefficient/<int:year>/", views.coefficient, name="coefficient_year"),
    path("coefficient/<int:year>/edit/", views.year_edit, name="year_edit"),
    path("coefficient/<int:year>/districts/new/", views.district_edit, name="district_create"),
    path("coefficient/<int:year>/districts/<int:pk>/", views.district_edit, name="district_edit"),
    path("coefficient/<int:year>/import/", views.import_samples, name="import_samples"),
    path("coefficient/<int:year>/export/", views.export_samples, name="export_samples"),
    path("coefficient/<int:year>/report.pdf", views.coefficient_pdf, name="coefficient_pdf"),
]
