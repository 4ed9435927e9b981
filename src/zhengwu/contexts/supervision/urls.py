from django.urls import path

from zhengwu.contexts.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.home, name="home"),
]
