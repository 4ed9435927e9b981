"""WSGI entry point of the appraisal deployable (gunicorn zhengwu.deploy.appraisal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.appraisal.settings")
application = get_wsgi_application()
