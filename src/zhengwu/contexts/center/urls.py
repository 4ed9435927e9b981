from django.urls import path

from zhengwu.contexts.center import views

app_name = "center"

urlpatterns = [
    path("", views.home, name="home"),
]

# --- the leaders' duty roster (窗口部门领导进中心) ---
from zhengwu.contexts.center import views_roster  # noqa: E402

urlpatterns += [
    path("roster/", views_roster.roster_home, name="roster_home"),
    path("roster/generate/", views_roster.roster_generate_view, name="roster_generate"),
    path("roster/publish/", views_roster.roster_publish_view, name="roster_publish"),
    path("roster/export/", views_roster.roster_export, name="roster_export"),
    path("roster/public/", views_roster.roster_public, name="roster_public"),
    path("roster/<int:assignment_id>/", views_roster.duty_detail, name="duty_detail"),
    path("roster/<int:assignment_id>/swap/", views_roster.duty_swap_view, name="duty_swap"),
    path("roster/<int:assignment_id>/reassign/", views_roster.duty_reassign_view, name="duty_reassign"),
    path("roster/<int:assignment_id>/attendance/", views_roster.duty_attendance_view, name="duty_attendance"),
    path("roster/<int:assignment_id>/issues/", views_roster.duty_issue_add_view, name="duty_issue_add"),
    path(
        "roster/<int:assignment_id>/issues/<int:issue_id>/resolve/",
        views_roster.duty_issue_resolve_view,
        name="duty_issue_resolve",
    ),
]
