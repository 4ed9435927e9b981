"""Organisations, people and the roles they hold."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.http import HttpRequest

from zhengwu.contexts.identity.roles import ROLE_LABELS, TOTP_REQUIRED_ROLES, Role
from zhengwu.kernel.ids import id_new

ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in Role]


class Organisation(models.Model):
    """A legal entity identified by its 统一社会信用代码."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        VERIFIED = "verified", "已核验"
        REJECTED = "rejected", "未通过"
        SUSPENDED = "suspended", "已暂停"

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "企业"
        GOVERNMENT = "government", "机关"
        INSTITUTION = "institution", "事业单位"
        OTHER = "other", "其他组织"

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    market_roles = models.JSONField("市场角色", default=list, blank=True)
    region_code = models.CharField("行政区划", max_length=6, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    # A legacy pilot-era code that fails the GB 32100 check may be accepted, but only by a
    # named member of staff with a written reason; both are kept here and in the audit log.
    uscc_override = models.BooleanField("校验码人工确认", default=False)
    uscc_override_reason = models.TextField("人工确认依据", blank=True)
    uscc_override_by = models.ForeignKey(
        "identity.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uscc_override_at = models.DateTimeField(null=True, blank=True)
    # The registrant declared the code a pilot-era code whose check character is known to fail;
    # the organisation stays pending until staff record the override.
    uscc_legacy_declared = models.BooleanField("申报为试点期赋码", default=False)
    status_reason = models.TextField("审核意见", blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey("identity.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(null=True, blank=True)
    # Incremented on every change; it is the sequence of the organisation's events.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("name",)
        indexes = (models.Index(fields=("status", "name"), name="identity_org_status_idx"),)

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class User(AbstractUser):
    """A person who signs in. Roles come from RoleGrant; the organisation is who they act for."""

    display_name = models.CharField("姓名", max_length=100, blank=True)
    phone = models.CharField("手机号", max_length=30, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    # TOTP secret, encrypted at rest (see identity.totp); empty until enrolment starts.
    totp_secret_encrypted = models.TextField(blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last accepted time step: a code is never accepted twice.
    totp_last_step = models.BigIntegerField(default=0)
    # Demo accounts only: `zhengwu totp` prints their current code, never anyone else's.
    is_demo = models.BooleanField("演示账号", default=False)

    @property
    def role_codes(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_grants.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    @property
    def needs_totp(self) -> bool:
        return bool(self.role_codes & TOTP_REQUIRED_ROLES)

    @property
    def totp_enrolled(self) -> bool:
        return bool(self.totp_secret_encrypted) and self.totp_confirmed_at is not None

    def is_fully_authenticated(self, request: HttpRequest) -> bool:
        """True once the password and, where the role requires it, the second factor passed.

        A request authenticated by an API token counts as fully signed in: a TOTP role's token
        can only have been made from a session that passed the second factor.
        """
        if not self.needs_totp:
            return True
        if getattr(request, "zw_api_token", None) is not None:
            return True
        return bool(request.session.get("zw_totp_ok"))


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=30, choices=ROLE_CHOICES)
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = (models.UniqueConstraint(fields=("user", "role"), name="identity_rolegrant_unique"),)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class LoginFailure(models.Model):
    """One failed (or in-flight) sign-in attempt, counted per (username, IP) and per IP.

    Rows live in the database rather than in process memory so that every web process of a
    deployable sees the same counts. See ``identity.throttle`` and the limits in ``rules``.
    """

    class Kind(models.TextChoices):
        PASSWORD = "password", "密码"
        TOTP = "totp", "动态码"

    # Case-folded: "Bidder1" and "bidder1" count as the same account.
    username = models.CharField(max_length=150)
    ip = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PASSWORD)
    created_at = models.DateTimeField()

    class Meta:
        indexes = (
            models.Index(fields=("username", "ip", "created_at"), name="identity_loginfail_pair_idx"),
            models.Index(fields=("ip", "created_at"), name="identity_loginfail_ip_idx"),
            models.Index(fields=("created_at",), name="identity_loginfail_time_idx"),
        )

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {self.kind} {self.created_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A personal API token for a program acting for its user (``Authorization: Bearer …``).

    Only the SHA-256 of the token is kept; the token itself is shown once, when it is made.
    ``prefix`` (the first characters after the scheme) is what the owner sees to tell tokens
    apart. A token works only until it expires or is revoked, and only while its user is
    active and the user's organisation (if any) is verified.
    """

    uuid = models.UUIDField(unique=True, default=id_new, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.prefix}"
