"""Settings of the trading deployable: only its own contexts, its own database."""

from zhengwu.deploy.base import *  # noqa: F403
from zhengwu.deploy.base import apps_for, databases_for, huey_for

ZHENGWU_PLATFORM = "trading"
ZHENGWU_PLATFORMS = ["trading"]
INSTALLED_APPS = apps_for(ZHENGWU_PLATFORMS)
DATABASES = databases_for("trading")
HUEY = huey_for("trading")
ROOT_URLCONF = "zhengwu.deploy.trading.urls"
WSGI_APPLICATION = "zhengwu.deploy.trading.wsgi.application"
