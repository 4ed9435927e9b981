"""The appraisal platform's URLs. Specific ``rounds/<code>/...`` pages come before the rounds'
catch-all action URL (``rounds/<code>/<action>/``), which would otherwise swallow them."""

from django.urls import path

from zhengwu.contexts.appraisal import views, views_results, views_rounds

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
    # Results: rankings, one unit over time.
    path("results/", views_results.results_index, name="results"),
    path("rounds/<str:code>/results/", views_results.round_results, name="round_results"),
    path("units/<str:code>/", views_results.unit_results, name="unit_results"),
    path("my-unit/", views_results.my_unit, name="my_unit"),
]

# Rounds: design, frame, sample and progress (the evaluator only); the catch-all action stays last.
urlpatterns += [
    path("rounds/", views_rounds.round_list_view, name="round_list"),
    path("rounds/<str:code>/", views_rounds.round_detail_view, name="round_detail"),
    path("rounds/<str:code>/frame/", views_rounds.round_frame_upload, name="round_frame_upload"),
    path("rounds/<str:code>/outcome/", views_rounds.invitation_outcome_view, name="round_outcome"),
    path("rounds/<str:code>/invitations.xlsx", views_rounds.round_invitations_xlsx, name="round_invitations_xlsx"),
    path("rounds/<str:code>/<str:action>/", views_rounds.round_action, name="round_action"),
]

# Indicator systems: versions, the tree, XLSForm download and upload (views_systems).
from zhengwu.contexts.appraisal import views_systems  # noqa: E402

urlpatterns += [
    path("systems/", views_systems.system_list_view, name="system_list"),
    path("systems/import/", views_systems.system_import_view, name="system_import"),
    path("systems/default/", views_systems.system_default_view, name="system_default"),
    path("systems/<int:pk>/", views_systems.system_detail_view, name="system_detail"),
    path("systems/<int:pk>/xlsform.xlsx", views_systems.system_xlsform_view, name="system_xlsform"),
]
