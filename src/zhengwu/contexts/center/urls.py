"""The service centre platform's URLs: the hall's information, the leaders' duty roster."""

from django.urls import path

from zhengwu.contexts.center import views, views_hall, views_roster

app_name = "center"

urlpatterns = [
    path("", views.home, name="home"),
    # Hall information: public page, staff management.
    path("hall/", views_hall.hall_page, name="hall"),
    path("hall/manage/", views_hall.hall_manage, name="hall_manage"),
    path("hall/manage/hours/", views_hall.hours_set, name="hall_hours_set"),
    path("hall/manage/amenities/", views_hall.amenity_save, name="hall_amenity_save"),
    path("hall/manage/amenities/<int:pk>/delete/", views_hall.amenity_delete, name="hall_amenity_delete"),
    path("hall/manage/windows/", views_hall.window_save, name="hall_window_save"),
    path("hall/manage/windows/<int:pk>/delete/", views_hall.window_delete, name="hall_window_delete"),
    path("hall/manage/announcements/", views_hall.announcement_publish, name="hall_announcement_publish"),
    path(
        "hall/manage/announcements/<int:pk>/withdraw/",
        views_hall.announcement_withdraw,
        name="hall_announcement_withdraw",
    ),
    # The leaders' duty roster (窗口部门领导进中心).
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
