"""WSGI entry point of the supervision deployable (gunicorn zhengwu.deploy.supervision.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.supervision.settings")
application = get_wsgi_application()
