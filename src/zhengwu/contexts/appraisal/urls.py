"""The appraisal platform's URLs.

The rounds' action URL (``rounds/<code>/<action>/``, POST) is the last pattern: before any of the
``rounds/<code>/<page>/`` pages it would swallow them.
"""

from django.urls import path

from zhengwu.contexts.appraisal import (
    views,
    views_accountability,
    views_collection,
    views_reports,
    views_results,
    views_rounds,
    views_systems,
    views_tickets,
)

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
    # Indicator systems: versions, the tree, XLSForm download and upload.
    path("systems/", views_systems.system_list_view, name="system_list"),
    path("systems/import/", views_systems.system_import_view, name="system_import"),
    path("systems/default/", views_systems.system_default_view, name="system_default"),
    path("systems/<int:pk>/", views_systems.system_detail_view, name="system_detail"),
    path("systems/<int:pk>/xlsform.xlsx", views_systems.system_xlsform_view, name="system_xlsform"),
    # Rounds: design, frame, sample and progress (the evaluator only).
    path("rounds/", views_rounds.round_list_view, name="round_list"),
    path("rounds/<str:code>/", views_rounds.round_detail_view, name="round_detail"),
    path("rounds/<str:code>/frame/", views_rounds.round_frame_upload, name="round_frame_upload"),
    path("rounds/<str:code>/outcome/", views_rounds.invitation_outcome_view, name="round_outcome"),
    path("rounds/<str:code>/invitations.xlsx", views_rounds.round_invitations_xlsx, name="round_invitations_xlsx"),
    # Collection: the respondent's questionnaire by token, telephone interviews, quality control.
    path("r/<str:token>/", views_collection.questionnaire, name="questionnaire"),
    path("cati/", views_collection.cati_list, name="cati"),
    path("cati/<int:invitation_id>/", views_collection.cati_interview, name="cati_interview"),
    path("cati/<int:invitation_id>/outcome/", views_collection.cati_outcome, name="cati_outcome"),
    path("rounds/<str:code>/quality/", views_collection.quality_home, name="quality"),
    path("rounds/<str:code>/quality/run/", views_collection.quality_run, name="quality_run"),
    path("rounds/<str:code>/quality/<int:response_id>/", views_collection.quality_response, name="quality_response"),
    # Results: rankings, one unit over time.
    path("results/", views_results.results_index, name="results"),
    path("rounds/<str:code>/results/", views_results.round_results, name="round_results"),
    path("units/<str:code>/", views_results.unit_results, name="unit_results"),
    path("my-unit/", views_results.my_unit, name="my_unit"),
    # Feedback tickets, accountability and the quarterly reports.
    path("tickets/", views_tickets.ticket_list, name="tickets"),
    path("tickets/<str:number>/", views_tickets.ticket_detail, name="ticket_detail"),
    path("tickets/<str:number>/reply/", views_tickets.ticket_reply_view, name="ticket_reply"),
    path("tickets/<str:number>/verify/", views_tickets.ticket_verify_view, name="ticket_verify"),
    path("tickets/<str:number>/summary/", views_tickets.ticket_summary_view, name="ticket_summary"),
    path("rounds/<str:code>/tickets/create/", views_tickets.round_tickets_create, name="round_tickets_create"),
    path("rounds/<str:code>/accountability/", views_accountability.round_accountability, name="round_accountability"),
    path(
        "rounds/<str:code>/accountability/apply/",
        views_accountability.round_accountability_apply,
        name="round_accountability_apply",
    ),
    path("rounds/<str:code>/accountability/flags/", views_accountability.round_harm_flag, name="round_harm_flag"),
    path("rounds/<str:code>/reports/", views_reports.round_reports, name="round_reports"),
    path("rounds/<str:code>/reports/build/", views_reports.round_reports_build, name="round_reports_build"),
    path("rounds/<str:code>/reports/<int:report_id>/pdf", views_reports.report_pdf, name="report_pdf"),
    # Last (see the module docstring).
    path("rounds/<str:code>/<str:action>/", views_rounds.round_action, name="round_action"),
]
