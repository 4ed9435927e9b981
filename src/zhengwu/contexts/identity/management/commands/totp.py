"""``zhengwu totp USERNAME [--secret]``: a demo account's current one-time code (or its key).

Refused for every account not flagged as a demo account: on a real installation nobody,
operators included, can print another person's second factor.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.contexts.identity.models import User
from zhengwu.contexts.identity.totp import totp_code_now, totp_seconds_left, totp_secret_of
from zhengwu.kernel.errors import ZhengwuError


class Command(BaseCommand):
    help = "Print the current one-time code of a demo account (or its TOTP key with --secret)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--secret", action="store_true", help="print the base32 key for an authenticator app")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在")
        if not user.is_demo:
            raise CommandError(f"账号 {username} 不是演示账号，拒绝输出其动态码")
        try:
            secret = totp_secret_of(user) if user.totp_enrolled else None
        except ZhengwuError as exc:
            raise CommandError(exc.message) from exc
        if secret is None:
            raise CommandError(f"账号 {username} 尚未绑定动态码")
        if options["secret"]:
            self.stdout.write(secret)
            return
        self.stdout.write(totp_code_now(secret=secret))
        self.stderr.write(f"（{totp_seconds_left()} 秒内有效；每个动态码只能使用一次）")
