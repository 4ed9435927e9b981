"""URLs every deployable mounts at its root."""

from django.urls import URLPattern, URLResolver, include, path

from zhengwu.platform.web import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "zhengwu.platform.web.views.bad_request"
handler403 = "zhengwu.platform.web.views.permission_denied"
handler404 = "zhengwu.platform.web.views.page_not_found"
handler500 = "zhengwu.platform.web.views.server_error"
