from django.urls import path

from civic.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("balance-tests/", views.balance_test_list, name="balance_test_list"),
    path("balance-tests/new/", views.balance_test_create, name="balance_test_create"),
    path("balance-tests/template.xlsx", views.balance_test_template, name="balance_test_template"),
    path("balance-tests/import/", views.balance_test_import, name="balance_test_import"),
    path("balance-tests/<int:test_id>/", views.balance_test_detail, name="balance_test_detail"),
    path("balance-tests/<int:test_id>/edit/", views.balance_test_edit, name="balance_test_edit"),
    path("balance-tests/<int:test_id>/submit/", views.balance_test_submit, name="balance_test_submit"),
    path("balance-tests/<int:test_id>/review/", views.balance_test_review, name="balance_test_review"),
    path("balance-tests/<int:test_id>/certify/", views.balance_test_certify, name="balance_test_certify"),
    path("carriers/", views.carrier_list, name="carrier_list"),
    path("carriers/thresholds/", views.threshold_list, name="threshold_list"),
    path("carriers/<str:number>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("quota-benchmarking/", views.benchmark_list, name="benchmark_list"),
    path("output/", views.output_report, name="output_report"),
    path("output/import/", views.output_import, name="output_import"),
    path("scorecards/", views.scorecard_list, name="scorecard_list"),
    path("scorecards/compute/", views.scorecard_compute, name="scorecard_compute"),
    path("scorecards/<int:scorecard_id>/", views.scorecard_detail, name="scorecard_detail"),
    path("scorecards/<int:scorecard_id>.pdf", views.scorecard_pdf, name="scorecard_pdf"),
    path("scorecards/<int:scorecard_id>.xlsx", views.scorecard_xlsx, name="scorecard_xlsx"),
    path("scorecards/entries/<int:entry_id>/", views.scorecard_entry, name="scorecard_entry"),
    path("scorecards/entries/<int:entry_id>/evidence/", views.scorecard_evidence, name="scorecard_evidence"),
]
