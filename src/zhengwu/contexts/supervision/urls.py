from django.urls import path

from zhengwu.contexts.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.home, name="home"),
    path("trades/", views.trades, name="trades"),
    path("trades/<str:project_code>/<str:section_code>/", views.trade_section, name="trade_section"),
    path("custody/", views.custody, name="custody"),
    path("openings/", views.openings, name="openings"),
    path("openings/<str:section_code>/", views.opening_detail, name="opening_detail"),
    path("custody/<int:pk>/release/", views.custody_release, name="custody_release"),
    path("awards/", views.awards, name="awards"),
    path("awards/<str:section_code>/", views.award_detail, name="award_detail"),
]
