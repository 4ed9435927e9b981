from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operator commands that compose every installed context (setup, demo data, keys)."""

    name = "zhengwu.deploy.ops"
    label = "ops"
