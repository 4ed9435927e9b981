from django.urls import path

from zhengwu.contexts.appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
]

# Feedback tickets, accountability and the quarterly reports (tickets.py, accountability.py, reports.py).
from zhengwu.contexts.appraisal import views_accountability, views_reports, views_tickets  # noqa: E402

urlpatterns += [
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
]
