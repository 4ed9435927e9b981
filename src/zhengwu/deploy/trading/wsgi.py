"""WSGI entry point of the trading deployable (gunicorn zhengwu.deploy.trading.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.trading.settings")
application = get_wsgi_application()
