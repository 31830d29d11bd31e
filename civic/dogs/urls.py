from django.urls import path

from civic.dogs import views

app_name = "dogs"

urlpatterns = [
    # Register
    path("", views.dog_list, name="dog_list"),
    path("licences/<str:number>/", views.licence_detail, name="licence_detail"),
    path("licences/<str:number>/licence.pdf", views.licence_pdf, name="licence_pdf"),
    # One-stop registration
    path("register/", views.register_dog, name="register_dog"),
    path("register/check/", views.registration_check, name="registration_check"),
    path("refusals/", views.refusal_list, name="refusal_list"),
    path("refusals/<str:number>/", views.refusal_detail, name="refusal_detail"),
    path("refusals/<str:number>/letter.pdf", views.refusal_letter_pdf, name="refusal_letter_pdf"),
    # Afterwards
    path("licences/<str:number>/renew/", views.renew_licence, name="renew_licence"),
    path("licences/<str:number>/change/<str:kind>/", views.change_registration, name="change_registration"),
    path("licences/<str:number>/cancel/", views.cancel_licence, name="cancel_licence"),
    path("licences/<str:number>/replace/", views.replace_tag_or_licence, name="replace_tag_or_licence"),
    path("renewals/", views.renewal_list, name="renewal_list"),
    path("owners/<int:owner_id>/correct/", views.correct_owner, name="correct_owner"),
    path("owners/to-check/", views.owner_discrepancy_list, name="owner_discrepancy_list"),
    # Enforcement
    path("patrols/", views.patrol_list, name="patrol_list"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
    path("cases/<str:number>/assign/", views.case_assign, name="case_assign"),
    path("cases/<str:number>/decision.pdf", views.case_decision_pdf, name="case_decision_pdf"),
    path("shelter/", views.shelter_list, name="shelter_list"),
    path("shelter/<int:intake_id>/", views.intake_detail, name="intake_detail"),
    path("shelter/<int:intake_id>/notice.pdf", views.intake_notice_pdf, name="intake_notice_pdf"),
    # Public: no sign-in
    path("check/", views.public_check, name="check"),
    # Any string a QR code or a visitor puts there, slashes included, gets the check's page.
    path("check/<path:number>/", views.public_check_number, name="check_number"),
    path("statistics/", views.public_statistics, name="public_statistics"),
    # Staff statistics
    path("statistics/staff/", views.staff_statistics, name="staff_statistics"),
]
