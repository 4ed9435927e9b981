from django.apps import AppConfig


class BiddingConfig(AppConfig):
    name = "zhengwu.contexts.bidding"
    label = "bidding"
    default_auto_field = "django.db.models.BigAutoField"
