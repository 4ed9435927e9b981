"""WSGI entry point of the public deployable (gunicorn zhengwu.deploy.public.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.public.settings")
application = get_wsgi_application()
