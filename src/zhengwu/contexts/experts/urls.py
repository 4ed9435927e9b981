from django.urls import path

from zhengwu.contexts.experts import views

app_name = "experts"

urlpatterns = [
    # The pool: the centre's staff maintain it, regulators read it.
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/new/", views.expert_new, name="expert_new"),
    path("experts/import/", views.expert_import_view, name="expert_import"),
    path("experts/import/template/", views.expert_import_template, name="expert_import_template"),
    # An expert's own record and assignments.
    path("experts/me/", views.expert_me, name="expert_me"),
    path(
        "experts/me/assignments/<str:assignment_id>/<str:answer>/",
        views.assignment_answer_view,
        name="assignment_answer",
    ),
    # A section's draw: staff request, commit and perform it; regulators read it.
    path("experts/draws/<str:section_code>/", views.draw_section, name="draw_section"),
    path("experts/draws/<str:section_code>/commit/", views.draw_commit_view, name="draw_commit"),
    path("experts/draws/<str:section_code>/perform/", views.draw_perform_view, name="draw_perform"),
    path("experts/draws/<str:section_code>/record.json", views.draw_record_download, name="draw_record"),
    path("experts/conflicts/<str:conflict_id>/withdraw/", views.conflict_withdraw_view, name="conflict_withdraw"),
    path("experts/<str:expert_id>/", views.expert_detail, name="expert_detail"),
    path("experts/<str:expert_id>/edit/", views.expert_edit, name="expert_edit"),
    path("experts/<str:expert_id>/conflicts/", views.conflict_new, name="conflict_new"),
    path("experts/<str:expert_id>/availability/", views.availability_add, name="availability_add"),
    path(
        "experts/<str:expert_id>/availability/<int:window_id>/remove/",
        views.availability_remove,
        name="availability_remove",
    ),
    path("experts/<str:expert_id>/<str:action>/", views.expert_status_view, name="expert_status"),
]
