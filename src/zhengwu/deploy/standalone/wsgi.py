"""WSGI entry point of the standalone deployable."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.standalone.settings")
application = get_wsgi_application()
