from django.urls import path

from zhengwu.contexts.evaluation import views

app_name = "evaluation"

urlpatterns = [
    # The evaluation room (评标室) of a section: members work here; staff and regulators see progress.
    path("sections/<str:section_code>/evaluation/", views.room_view, name="room"),
    path("sections/<str:section_code>/evaluation/create/", views.create_view, name="create"),
    path("sections/<str:section_code>/evaluation/leader/", views.leader_view, name="leader"),
    path("sections/<str:section_code>/evaluation/compliance/", views.compliance_view, name="compliance"),
    path("sections/<str:section_code>/evaluation/sheet/", views.sheet_view, name="sheet"),
    path("sections/<str:section_code>/evaluation/sheets/<str:expert_id>/", views.sheet_read_view, name="sheet_read"),
    path("sections/<str:section_code>/evaluation/sign/", views.sign_view, name="sign"),
    path("sections/<str:section_code>/evaluation/adjustments/", views.adjustment_view, name="adjustment"),
    path("sections/<str:section_code>/evaluation/flags/", views.flag_view, name="flag"),
    path(
        "sections/<str:section_code>/evaluation/bids/<str:bid_id>/files/<int:index>/",
        views.bid_file_view,
        name="bid_file",
    ),
    # After the report: candidates' publicity, award, written report, contract (the tenderer's side).
    path("sections/<str:section_code>/outcome/", views.outcome_view, name="outcome"),
    path("sections/<str:section_code>/outcome/publicity/", views.publicity_view, name="outcome_publicity"),
    path("sections/<str:section_code>/outcome/award/", views.award_view, name="outcome_award"),
    path("sections/<str:section_code>/outcome/report/", views.written_report_view, name="outcome_report"),
    path("sections/<str:section_code>/outcome/contract/", views.contract_view, name="outcome_contract"),
    path("sections/<str:section_code>/outcome/notice.pdf", views.notice_pdf_view, name="outcome_notice"),
]
