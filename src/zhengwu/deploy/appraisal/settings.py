"""Settings of the appraisal deployable: only its own contexts, its own database."""

from zhengwu.deploy.base import *  # noqa: F403
from zhengwu.deploy.base import apps_for, databases_for, huey_for

ZHENGWU_PLATFORM = "appraisal"
ZHENGWU_PLATFORMS = ["appraisal"]
INSTALLED_APPS = apps_for(ZHENGWU_PLATFORMS)
DATABASES = databases_for("appraisal")
HUEY = huey_for("appraisal")
ROOT_URLCONF = "zhengwu.deploy.appraisal.urls"
WSGI_APPLICATION = "zhengwu.deploy.appraisal.wsgi.application"
