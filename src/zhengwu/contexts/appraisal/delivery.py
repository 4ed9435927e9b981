"""How invitations reach respondents: a channel per medium, chosen by configuration.

SMS and e-mail gateways sit outside the machine, so they are plug-ins: a class with a
``send(recipient, body)`` method named in ``ZHENGWU_APPRAISAL_CHANNELS`` (``sms=dotted.Path,...``).
The local channel, the default, keeps every message in the ``DeliveredMessage`` table, where
the evaluator (and the demo) can read what would have been sent.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from zhengwu.contexts.appraisal.models import DeliveredMessage, Invitation
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import InvalidInput


class Channel(Protocol):
    """A way of sending a short text to a phone number or an address."""

    def send(self, *, recipient: str, body: str, invitation: Invitation | None) -> None: ...


class LocalChannel:
    """Keeps the message in the database instead of sending it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, *, recipient: str, body: str, invitation: Invitation | None) -> None:
        DeliveredMessage.objects.create(
            channel=self.name, recipient=recipient, body=body, invitation=invitation, created_at=clock_now()
        )


def channel_get(name: str) -> Channel:
    """The configured channel for ``name`` (``sms`` or ``email``); the local one when none is configured."""
    configured: dict[str, str] = getattr(settings, "ZHENGWU_APPRAISAL_CHANNELS", {})
    path = configured.get(name)
    if not path:
        return LocalChannel(name)
    try:
        channel_class = import_string(path)
    except ImportError:
        raise InvalidInput(f"发送渠道“{name}”配置的类无法载入：{path}", code="appraisal_channel_config") from None
    channel: Channel = channel_class(name)
    return channel


def invitation_text(*, invitation: Invitation, link: str) -> str:
    """The invitation as the enterprise reads it (SMS length: short, with the unit and the link)."""
    return (
        f"【政务服务第三方评价】贵单位本季度在{invitation.unit.name}办理过业务，"
        f"诚邀您对其服务进行评价（约5分钟），评价由独立第三方开展，结果匿名统计：{link}"
    )


def invitation_deliver(*, invitation: Invitation, link: str) -> bool:
    """Send one invitation through its channel; False when the enterprise has no address for it."""
    entry = invitation.frame_entry
    recipient = entry.email if invitation.channel == Invitation.Channel.EMAIL else entry.phone
    if invitation.channel == Invitation.Channel.CATI or not recipient:
        return False
    channel_get(invitation.channel).send(
        recipient=recipient, body=invitation_text(invitation=invitation, link=link), invitation=invitation
    )
    return True
