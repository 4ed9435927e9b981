from django.urls import path

from zhengwu.contexts.appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
]

# Collection and quality control (views_collection): the respondent's questionnaire by token,
# telephone interviews, the QC review of a round.
from zhengwu.contexts.appraisal import views_collection  # noqa: E402

urlpatterns += [
    path("r/<str:token>/", views_collection.questionnaire, name="questionnaire"),
    path("cati/", views_collection.cati_list, name="cati"),
    path("cati/<int:invitation_id>/", views_collection.cati_interview, name="cati_interview"),
    path("cati/<int:invitation_id>/outcome/", views_collection.cati_outcome, name="cati_outcome"),
    path("rounds/<str:code>/quality/", views_collection.quality_home, name="quality"),
    path("rounds/<str:code>/quality/run/", views_collection.quality_run, name="quality_run"),
    path("rounds/<str:code>/quality/<int:response_id>/", views_collection.quality_response, name="quality_response"),
]
