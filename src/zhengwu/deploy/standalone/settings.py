"""Settings of the standalone deployable: every platform in one process, one database.

This is the embedded default (SQLite, demo data) and the deployment the main test run uses.
"""

from zhengwu.deploy.base import *  # noqa: F403
from zhengwu.deploy.base import apps_for, databases_for, huey_for
from zhengwu.deploy.platforms import ALL_PLATFORMS

ZHENGWU_PLATFORM = "standalone"
ZHENGWU_PLATFORMS = list(ALL_PLATFORMS)
INSTALLED_APPS = apps_for(ZHENGWU_PLATFORMS)
DATABASES = databases_for("standalone")
HUEY = huey_for("standalone")
ROOT_URLCONF = "zhengwu.deploy.standalone.urls"
WSGI_APPLICATION = "zhengwu.deploy.standalone.wsgi.application"
