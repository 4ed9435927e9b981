"""URLconf of the center deployable: only its own platform."""

from zhengwu.deploy.routes import deployable_patterns

urlpatterns = deployable_patterns(["center"])

handler400 = "zhengwu.platform.web.views.bad_request"
handler403 = "zhengwu.platform.web.views.permission_denied"
handler404 = "zhengwu.platform.web.views.page_not_found"
handler500 = "zhengwu.platform.web.views.server_error"
