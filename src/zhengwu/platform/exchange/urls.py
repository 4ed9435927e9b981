"""Mounted at ``/exchange/`` in every deployable (deploy.routes)."""

from django.urls import path

from zhengwu.platform.exchange import views

app_name = "exchange"

urlpatterns = [
    path("inbox", views.inbox, name="inbox"),
]
