"""The rules of the online opening (网上开标): stages, the decryption window, what a failure means.

Plain data and functions, no database. Articles are cited as in ebidding-rules.md; 20号令 is
《电子招标投标办法》(国家发展改革委等八部委令第20号, 2013), whose article numbers the reference
marks unverified ([GK]) — the readings below are what a Chinese trading centre applies, and the
numbers a centre may set differently are settings (``OpeningPolicy``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

ORDER_20 = "《电子招标投标办法》（国家发展改革委等八部委令第20号）"
ZBTL = "《招标投标法实施条例》"
ZBF = "《招标投标法》"


class Stage(StrEnum):
    """The opening's steps (ebidding-rules §7.3): decrypt → read out → objections → record."""

    DECRYPTING = "decrypting"  # custodians release shares, bidders decrypt within the window
    READING_OUT = "reading_out"  # 唱标: the read-out of every decrypted bid is shown to all
    RECORDED = "recorded"  # 开标记录 signed and published


STAGE_LABELS: dict[str, str] = {
    Stage.DECRYPTING: "解密",
    Stage.READING_OUT: "唱标",
    Stage.RECORDED: "开标记录已发布",
}


class Outcome(StrEnum):
    """What became of one bid at the opening."""

    PENDING = "pending"
    OPENED = "opened"  # decrypted and verified; read out
    REVOKED = "revoked"  # 视为撤销: not decrypted through the bidder's own fault
    WITHDRAWN = "withdrawn"  # 视为撤回: not decrypted for another reason


OUTCOME_LABELS: dict[str, str] = {
    Outcome.PENDING: "待解密",
    Outcome.OPENED: "已解密",
    Outcome.REVOKED: "视为撤销投标文件",
    Outcome.WITHDRAWN: "视为撤回投标文件",
}


class FailureCause(StrEnum):
    """Why a bid could not be opened, as the evidence shows it."""

    BIDDER_SHARE_MISSING = "bidder_share_missing"  # the bidder did not decrypt within the window
    BIDDER_SHARE_INVALID = "bidder_share_invalid"  # what the bidder handed in does not open its bid
    BID_CONTENT_INVALID = "bid_content_invalid"  # the bidder's file is not what it signed (tool or tampering by it)
    CUSTODY_INCOMPLETE = "custody_incomplete"  # the opening key's custodians did not release enough shares
    STORAGE_MISMATCH = "storage_mismatch"  # the stored file is not the one on the receipt (platform side)


FAILURE_CAUSE_LABELS: dict[str, str] = {
    FailureCause.BIDDER_SHARE_MISSING: "投标人未在解密时限内解密",
    FailureCause.BIDDER_SHARE_INVALID: "投标人提交的解密密钥无法解密其投标文件",
    FailureCause.BID_CONTENT_INVALID: "投标文件内容与投标人签名的清单不符",
    FailureCause.CUSTODY_INCOMPLETE: "开标密钥保管人未按时释放密钥分片",
    FailureCause.STORAGE_MISMATCH: "平台存储的文件与接收回执不符",
}

# 20号令 第三十一条 (reference §7.4): the bidder's fault → deemed revoked (撤销), its security may be
# kept (招标条例 第三十五条); anyone else's → deemed withdrawn (撤回), the bidder may claim its
# direct losses from the party at fault and its security is refunded as for a withdrawal.
_BIDDERS_FAULT = frozenset(
    {FailureCause.BIDDER_SHARE_MISSING, FailureCause.BIDDER_SHARE_INVALID, FailureCause.BID_CONTENT_INVALID}
)
FAILURE_ARTICLE = f"{ORDER_20}第三十一条"


def failure_outcome(*, cause: str) -> Outcome:
    """The legal effect of a bid that could not be decrypted, by its cause (20号令 第三十一条)."""
    return Outcome.REVOKED if FailureCause(cause) in _BIDDERS_FAULT else Outcome.WITHDRAWN


def security_kept(*, outcome: str) -> bool:
    """Whether the bid security may be kept (招标条例 第三十五条: revocation after the deadline)."""
    return Outcome(outcome) == Outcome.REVOKED


@dataclass(frozen=True)
class OpeningPolicy:
    """A centre's settings for the online opening (platform policy, not statute)."""

    # How long bidders and custodians have to decrypt once the host starts the opening; real
    # notices give 30 minutes to 1 hour (reference §7.3).
    decrypt_window: dt.timedelta = dt.timedelta(minutes=30)
    # Objections at the opening are raised on the spot (招标条例 第四十四条第三款); the centre
    # keeps the read-out open this long before the record may be signed.
    objection_window: dt.timedelta = dt.timedelta(minutes=5)
    # The opening may start this long after the opening time at the latest before the centre
    # must explain the delay in the record.
    start_grace: dt.timedelta = dt.timedelta(minutes=30)


DEFAULT_POLICY = OpeningPolicy()

# What the read-out (唱标) shows of each opened bid, in this order, by field of the read-out form.
READOUT_LABELS: dict[str, str] = {
    "price_fen": "投标报价",
    "duration_days": "工期（日历天）",
    "quality": "质量标准",
    "key_personnel": "项目负责人及主要人员",
    "delivery_days": "交货期（日历天）",
    "discount_rate": "下浮率",
}


def opening_may_start(*, now: dt.datetime, opening_at: dt.datetime, frozen: bool) -> str | None:
    """Why the opening cannot start yet (a stable code), or None.

    It starts at the opening time (招标投标法 第三十四条: at the bid deadline, in public) and only
    once the accepted bids are frozen and the freeze published, so no custodian releases a share
    before the set of bids is fixed (sealed-bids reference §2.5).
    """
    if now < opening_at:
        return "opening_time_not_reached"
    if not frozen:
        return "bids_not_frozen"
    return None
