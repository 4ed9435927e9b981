from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "zhengwu.platform.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
