"""Settings of the center deployable: only its own contexts, its own database."""

from zhengwu.deploy.base import *  # noqa: F403
from zhengwu.deploy.base import apps_for, databases_for, huey_for

ZHENGWU_PLATFORM = "center"
ZHENGWU_PLATFORMS = ["center"]
INSTALLED_APPS = apps_for(ZHENGWU_PLATFORMS)
DATABASES = databases_for("center")
HUEY = huey_for("center")
ROOT_URLCONF = "zhengwu.deploy.center.urls"
WSGI_APPLICATION = "zhengwu.deploy.center.wsgi.application"
