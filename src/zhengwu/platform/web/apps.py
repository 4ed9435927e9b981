from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "zhengwu.platform.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"
