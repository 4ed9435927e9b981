from django.urls import path

from zhengwu.contexts.appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
]

# Rounds: design, frame, sample and progress (the evaluator only).
from zhengwu.contexts.appraisal import views_rounds  # noqa: E402

urlpatterns += [
    path("rounds/", views_rounds.round_list_view, name="round_list"),
    path("rounds/<str:code>/", views_rounds.round_detail_view, name="round_detail"),
    path("rounds/<str:code>/frame/", views_rounds.round_frame_upload, name="round_frame_upload"),
    path("rounds/<str:code>/outcome/", views_rounds.invitation_outcome_view, name="round_outcome"),
    path("rounds/<str:code>/invitations.xlsx", views_rounds.round_invitations_xlsx, name="round_invitations_xlsx"),
    path("rounds/<str:code>/<str:action>/", views_rounds.round_action, name="round_action"),
]
