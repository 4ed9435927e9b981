from django.apps import AppConfig


class CenterConfig(AppConfig):
    name = "zhengwu.contexts.center"
    label = "center"
    default_auto_field = "django.db.models.BigAutoField"
