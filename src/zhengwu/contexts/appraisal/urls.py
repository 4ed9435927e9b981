from django.urls import path

from zhengwu.contexts.appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
]
