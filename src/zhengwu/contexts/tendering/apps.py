from django.apps import AppConfig


class TenderingConfig(AppConfig):
    name = "zhengwu.contexts.tendering"
    label = "tendering"
    default_auto_field = "django.db.models.BigAutoField"
