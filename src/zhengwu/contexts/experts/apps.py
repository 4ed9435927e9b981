from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "zhengwu.contexts.experts"
    label = "experts"
    default_auto_field = "django.db.models.BigAutoField"
