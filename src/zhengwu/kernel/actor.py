"""Who is acting: the plain value every service receives as ``by``.

Services check permissions against it and the audit log records it. It is built from the
logged-in user by the identity context, or is the system itself for scheduled work.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    display_name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation_id: int | None = None
    organisation_name: str = ""
    organisation_verified: bool = False
    ip: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(user_id=None, username=name, display_name="系统", roles=frozenset({"system"}))

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def primary_role(self) -> str:
        return sorted(self.roles)[0] if self.roles else ""
