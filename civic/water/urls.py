from django.urls import path

from civic.water import views

app_name = "water"

urlpatterns = [
    # Register
    path("users/", views.register, name="register"),
    path("users/new/", views.water_user_new, name="water_user_new"),
    path("users/export.xlsx", views.register_xlsx, name="register_xlsx"),
    path("users/<str:code>/", views.water_user_detail, name="water_user_detail"),
    path("users/<str:code>/use.json", views.water_user_use_json, name="water_user_use_json"),
    path("users/<str:code>/edit/", views.water_user_edit, name="water_user_edit"),
    path("users/<str:code>/close/", views.water_user_close, name="water_user_close"),
    path("users/<str:code>/meters/new/", views.meter_new, name="meter_new"),
    path("meters/<str:serial>/edit/", views.meter_edit, name="meter_edit"),
    path("meters/<str:serial>/replace/", views.meter_replace, name="meter_replace"),
    path("mine/", views.my_water_user, name="my_water_user"),
    # Readings
    path("readings/import/", views.import_readings, name="import_readings"),
    path("readings/imports/<int:batch_id>/", views.import_batch_detail, name="import_batch_detail"),
    # Plans
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/notices/", views.plan_notices_export, name="plan_notices_export"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/issue/", views.issue_plan, name="issue_plan"),
    path("plans/<int:plan_id>/notice.pdf", views.plan_notice_pdf, name="plan_notice_pdf"),
    path("plans/<int:plan_id>/adjust/", views.request_plan_adjustment, name="request_plan_adjustment"),
    path("adjustments/<int:request_id>/decide/", views.decide_plan_adjustment, name="decide_plan_adjustment"),
    # Surcharges
    path("surcharges/", views.surcharge_summary, name="surcharge_summary"),
    path("surcharges/summary.xlsx", views.surcharge_summary_xlsx, name="surcharge_summary_xlsx"),
    path("bills/overdue/", views.overdue_bill_list, name="overdue_bill_list"),
    path("bills/<str:number>/", views.bill_detail, name="bill_detail"),
    path("bills/<str:number>/step/", views.bill_step, name="bill_step"),
    path("bills/<str:number>/notice.pdf", views.bill_notice_pdf, name="bill_notice_pdf"),
    # Quotas
    path("quotas/", views.quota_list, name="quota_list"),
    path("quotas/import/", views.import_quotas, name="import_quotas"),
    path("quotas/export.xlsx", views.export_quotas, name="export_quotas"),
    # Metering
    path("metering/", views.metering_dashboard, name="metering_dashboard"),
    path("metering/analyses/new/", views.metering_analysis_new, name="metering_analysis_new"),
    path("metering/readings/", views.smart_readings_upload, name="smart_readings_upload"),
    path("metering/alarms/", views.customer_alarm_list, name="customer_alarm_list"),
    path("metering/alarms/export.xlsx", views.customer_alarm_xlsx, name="customer_alarm_xlsx"),
    path("metering/alarms/assign/", views.customer_alarm_bulk_assign, name="customer_alarm_bulk_assign"),
    path("metering/alarms/<int:alarm_id>/", views.customer_alarm_detail, name="customer_alarm_detail"),
    path(
        "metering/alarms/<int:alarm_id>/notice.pdf", views.customer_alarm_notice_pdf, name="customer_alarm_notice_pdf"
    ),
    path("metering/alarms/<int:alarm_id>/<str:step>/", views.customer_alarm_step, name="customer_alarm_step"),
    path("metering/customers/", views.meter_customers, name="meter_customers"),
    path("metering/night-alarms/", views.night_flow_alarm_list, name="night_flow_alarm_list"),
    path("metering/night-alarms/export.xlsx", views.night_flow_alarm_xlsx, name="night_flow_alarm_xlsx"),
    path("metering/night-alarms/assign/", views.night_flow_alarm_bulk_assign, name="night_flow_alarm_bulk_assign"),
    path("metering/night-alarms/<int:alarm_id>/", views.night_flow_alarm_detail, name="night_flow_alarm_detail"),
    path("metering/night-alarms/<int:alarm_id>/<str:step>/", views.night_flow_alarm_step, name="night_flow_alarm_step"),
    path("metering/precision/", views.alarm_precision, name="alarm_precision"),
    path("metering/thresholds/", views.metering_thresholds, name="metering_thresholds"),
    path("metering/audit/", views.water_audit_form, name="water_audit_form"),
    path("metering/audit/<int:audit_id>/", views.water_audit_detail, name="water_audit_detail"),
    # Network
    path("network/", views.network_overview, name="network_overview"),
    path("network/models/", views.network_model_upload, name="network_model_upload"),
    path("network/analyses/new/", views.network_analysis_new, name="network_analysis_new"),
    path(
        "network/analyses/<int:analysis_id>/status.json", views.network_analysis_status, name="network_analysis_status"
    ),
    path("network/analyses/<int:analysis_id>/retry/", views.network_analysis_retry, name="network_analysis_retry"),
    path("network/alarms/<int:alarm_id>/", views.network_alarm_detail, name="network_alarm_detail"),
    path("network/alarms/<int:alarm_id>/<str:step>/", views.network_alarm_step, name="network_alarm_step"),
    # Reuse
    path("reuse/", views.reuse_study_list, name="reuse_study_list"),
    path("reuse/firms/<str:code>/", views.reuse_firm_streams, name="reuse_firm_streams"),
    path("reuse/<int:study_id>/", views.reuse_study_detail, name="reuse_study_detail"),
    path("reuse/<int:study_id>/run/", views.reuse_study_run, name="reuse_study_run"),
    path("reuse/<int:study_id>/progress.json", views.reuse_study_progress, name="reuse_study_progress"),
    path("reuse/<int:study_id>/export.json", views.reuse_study_json, name="reuse_study_json"),
    path("reuse/<int:study_id>/export.xlsx", views.reuse_study_xlsx, name="reuse_study_xlsx"),
]
