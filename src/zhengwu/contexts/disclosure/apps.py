from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "zhengwu.contexts.disclosure"
    label = "disclosure"
    default_auto_field = "django.db.models.BigAutoField"
