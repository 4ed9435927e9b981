from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "zhengwu.platform.exchange"
    label = "exchange"
    default_auto_field = "django.db.models.BigAutoField"
