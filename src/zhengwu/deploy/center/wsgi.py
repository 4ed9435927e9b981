"""WSGI entry point of the center deployable (gunicorn zhengwu.deploy.center.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.center.settings")
application = get_wsgi_application()
