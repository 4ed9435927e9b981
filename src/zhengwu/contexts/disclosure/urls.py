from django.urls import path

from zhengwu.contexts.disclosure import upward_views, views

app_name = "disclosure"

urlpatterns = [
    path("", views.home, name="home"),
    path("subjects/", views.subjects, name="subjects"),
    path("notices/", views.notices, name="notices"),
    path("notices/<str:notice_id>/", views.notice_detail, name="notice_detail"),
    path("sections/<str:section_code>/", views.section_detail, name="section_detail"),
    path("sections/<str:section_code>/expert-draw.json", views.section_expert_draw, name="section_expert_draw"),
    path("inclusion-proof/", views.inclusion_proof, name="inclusion_proof"),
    path("upward/", upward_views.upward_report, name="upward_report"),
]
