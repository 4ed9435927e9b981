from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "zhengwu.contexts.supervision"
    label = "supervision"
    default_auto_field = "django.db.models.BigAutoField"
