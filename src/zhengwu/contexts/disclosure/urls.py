from django.urls import path

from zhengwu.contexts.disclosure import views

app_name = "disclosure"

urlpatterns = [
    path("", views.home, name="home"),
    path("subjects/", views.subjects, name="subjects"),
]
