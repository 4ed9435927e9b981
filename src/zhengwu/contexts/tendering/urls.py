from django.urls import path

from zhengwu.contexts.tendering import views

app_name = "tendering"

urlpatterns = [
    path("", views.home, name="home"),
    # Tenderers, agencies and oversight.
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<str:code>/", views.project_detail, name="project_detail"),
    path("projects/<str:code>/sections/", views.section_add_view, name="section_add"),
    path("projects/<str:code>/notices/", views.notice_new, name="notice_new"),
    path("projects/<str:code>/notices/<str:notice_id>/revise/", views.notice_revise_view, name="notice_revise"),
    path("projects/<str:code>/notices/<str:notice_id>/approve/", views.notice_approve_view, name="notice_approve"),
    path("projects/<str:code>/notices/<str:notice_id>/publish/", views.notice_publish_view, name="notice_publish"),
    path("projects/<str:code>/documents/", views.document_upload_view, name="document_upload"),
    path("projects/<str:code>/sections/<str:section_code>/answer/", views.answer_view, name="answer"),
    path(
        "projects/<str:code>/objections/<str:objection_id>/reply/", views.objection_reply_view, name="objection_reply"
    ),
    path("projects/<str:code>/terminate/", views.terminate_view, name="terminate"),
    path("sections/<str:section_code>/obtainers/", views.obtainers_view, name="obtainers"),
    path("sections/<str:section_code>/registrations/", views.registrations_view, name="registrations"),
    # Bidding registration (竞买申请): its own bidder, and centre staff acting on the bank's word.
    # Centre staff: one registration by the reference on the bank's transfer.
    path("registrations/", views.registration_search_view, name="registration_search"),
    path("registrations/<str:registration_id>/", views.registration_detail, name="registration_detail"),
    path("registrations/<str:registration_id>/deposit/", views.registration_deposit_view, name="registration_deposit"),
    path("registrations/<str:registration_id>/confirm/", views.registration_confirm_view, name="registration_confirm"),
    path("registrations/<str:registration_id>/refuse/", views.registration_refuse_view, name="registration_refuse"),
    # Bidders.
    path("tenders/", views.tender_list, name="tender_list"),
    path("tenders/<str:section_code>/", views.tender_detail, name="tender_detail"),
    path("tenders/<str:section_code>/obtain/", views.tender_obtain, name="tender_obtain"),
    path("tenders/<str:section_code>/register/", views.tender_register, name="tender_register"),
    path("tenders/<str:section_code>/questions/", views.tender_ask, name="tender_ask"),
    path("tenders/<str:section_code>/objections/", views.tender_object, name="tender_object"),
    path("documents/<str:document_id>/", views.document_download_view, name="document_download"),
    # Re-tender, registration withdrawal and refunds.
    path(
        "projects/<str:code>/sections/<str:section_code>/retender/",
        views.section_retender_view,
        name="section_retender",
    ),
    path(
        "registrations/<str:registration_id>/withdraw/", views.registration_withdraw_view, name="registration_withdraw"
    ),
    path("refunds/", views.refund_list, name="refund_list"),
    path("refunds/mine/", views.refunds_mine, name="refunds_mine"),
    path("refunds/<str:refund_id>/paid/", views.refund_paid_view, name="refund_paid"),
    # Pre-qualification (资格预审): applicants on the tender page; the reviewers after the deadline.
    path("tenders/<str:section_code>/prequal/obtain/", views.tender_prequal_obtain, name="tender_prequal_obtain"),
    path("tenders/<str:section_code>/prequal/apply/", views.tender_prequal_apply, name="tender_prequal_apply"),
    path("tenders/<str:section_code>/prequal/withdraw/", views.tender_prequal_withdraw, name="tender_prequal_withdraw"),
    path("sections/<str:section_code>/prequal/", views.prequal_applications_view, name="prequal_applications"),
    path("sections/<str:section_code>/prequal/conclude/", views.prequal_conclude_view, name="prequal_conclude"),
    path("prequal/<str:application_id>/review/", views.prequal_review_view, name="prequal_review"),
    path("prequal/<str:application_id>/file/", views.prequal_file_view, name="prequal_file"),
]
