"""URLconf of the standalone deployable: every platform, at the same prefixes."""

from zhengwu.deploy.platforms import ALL_PLATFORMS
from zhengwu.deploy.routes import deployable_patterns

urlpatterns = deployable_patterns(list(ALL_PLATFORMS))

handler400 = "zhengwu.platform.web.views.bad_request"
handler403 = "zhengwu.platform.web.views.permission_denied"
handler404 = "zhengwu.platform.web.views.page_not_found"
handler500 = "zhengwu.platform.web.views.server_error"
