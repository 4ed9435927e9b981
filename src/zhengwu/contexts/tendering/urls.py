from django.urls import path

from zhengwu.contexts.tendering import views

app_name = "tendering"

urlpatterns = [
    path("", views.home, name="home"),
]
