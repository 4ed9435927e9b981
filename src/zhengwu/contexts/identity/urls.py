"""Accounts pages, mounted at ``<platform prefix>accounts/`` of every platform."""

from django.urls import path

from zhengwu.contexts.identity import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("totp/", views.totp_view, name="totp"),
    path("totp/enrol/", views.totp_enrol_view, name="totp_enrol"),
    path("register/", views.register_view, name="register"),
    path("register/done/", views.register_done_view, name="register_done"),
    path("uscc-check/", views.uscc_check_view, name="uscc_check"),
    path("tokens/", views.api_tokens_view, name="api_tokens"),
    path("tokens/<str:uuid>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path("organisations/", views.organisations_view, name="organisations"),
    path(
        "organisations/<str:uscc>/<slug:action>/",
        views.organisation_action_view,
        name="organisation_action",
    ),
]
