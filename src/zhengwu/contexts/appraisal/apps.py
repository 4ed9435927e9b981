from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "zhengwu.contexts.appraisal"
    label = "appraisal"
    default_auto_field = "django.db.models.BigAutoField"
