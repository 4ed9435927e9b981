from django.apps import AppConfig


class AuctionsConfig(AppConfig):
    name = "zhengwu.contexts.auctions"
    label = "auctions"
    default_auto_field = "django.db.models.BigAutoField"
