from django.urls import path

from zhengwu.contexts.center import views

app_name = "center"

urlpatterns = [
    path("", views.home, name="home"),
]
