"""Settings of the supervision deployable: only its own contexts, its own database."""

from zhengwu.deploy.base import *  # noqa: F403
from zhengwu.deploy.base import apps_for, databases_for, huey_for

ZHENGWU_PLATFORM = "supervision"
ZHENGWU_PLATFORMS = ["supervision"]
INSTALLED_APPS = apps_for(ZHENGWU_PLATFORMS)
DATABASES = databases_for("supervision")
HUEY = huey_for("supervision")
ROOT_URLCONF = "zhengwu.deploy.supervision.urls"
WSGI_APPLICATION = "zhengwu.deploy.supervision.wsgi.application"
