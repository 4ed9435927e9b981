"""Settings of the public deployable: only its own contexts, its own database."""

from zhengwu.deploy.base import *  # noqa: F403
from zhengwu.deploy.base import apps_for, databases_for, huey_for

ZHENGWU_PLATFORM = "public"
ZHENGWU_PLATFORMS = ["public"]
INSTALLED_APPS = apps_for(ZHENGWU_PLATFORMS)
DATABASES = databases_for("public")
HUEY = huey_for("public")
ROOT_URLCONF = "zhengwu.deploy.public.urls"
WSGI_APPLICATION = "zhengwu.deploy.public.wsgi.application"
