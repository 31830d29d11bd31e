from django.urls import path

from civic.programme import views

app_name = "programme"

urlpatterns = [
    path("firms/", views.firm_list, name="firm_list"),
    path("firms/mine/", views.my_firm, name="my_firm"),
    path("firms/<int:firm_id>/", views.firm_detail, name="firm_detail"),
    path("firms/import/", views.firm_import, name="firm_import"),
    path("firms/export.xlsx", views.firm_export, name="firm_export"),
    path("advice/<int:advice_id>/reply/", views.advice_reply, name="advice_reply"),
    path("chain/", views.chain_graph, name="chain_graph"),
    path("segments/", views.segment_figures, name="segment_figures"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/apply/", views.project_apply, name="project_apply"),
    path("projects/overdue/", views.overdue_list, name="overdue_list"),
    path("projects/<str:number>/", views.project_detail, name="project_detail"),
    path("projects/<str:number>/review/", views.project_review, name="project_review"),
    path("projects/<str:number>/approval/", views.project_approval, name="project_approval"),
    path("projects/<str:number>/milestones/<int:step_id>/", views.milestone_done, name="milestone_done"),
    path("projects/<str:number>/acceptance/", views.project_acceptance, name="project_acceptance"),
    path("projects/<str:number>/production/", views.project_production, name="project_production"),
    path("projects/<str:number>/verification/", views.project_verification, name="project_verification"),
    path("projects/<str:number>/subsidy/", views.subsidy_decide, name="subsidy_decide"),
    path("projects/<str:number>/payment/", views.subsidy_payment, name="subsidy_payment"),
    path("projects/<str:number>/decision.pdf", views.decision_pdf, name="decision_pdf"),
    path("subsidies/", views.ledger, name="ledger"),
    path("subsidies/ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("feedback/", views.feedback_list, name="feedback_list"),
    path("feedback/analysis/", views.feedback_analysis, name="feedback_analysis"),
    path("feedback/export.xlsx", views.feedback_xlsx, name="feedback_xlsx"),
]
