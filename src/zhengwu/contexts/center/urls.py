from django.urls import path

from zhengwu.contexts.center import views

app_name = "center"

urlpatterns = [
    path("", views.home, name="home"),
]

# --- hall information (views_hall) ---
from zhengwu.contexts.center import views_hall  # noqa: E402

urlpatterns += [
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
]
