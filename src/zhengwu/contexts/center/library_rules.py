"""The rules of the library window (党校图书服务窗口): ISBNs, loans, renewals and reminders.

Plain data and functions, no database, no Django. Dates are ``datetime.date`` in China time; the
window is open on the working days of the ``WorkCalendar`` (kernel.workdays) and closed on every
other day, so a due date that falls on a closed day moves to the next working day — the reader
cannot bring the book back to a closed window.

Numbers here (loan days, renewals, loans per reader) are the window's own policy, not statute:
they live in ``LoanPolicy`` and the settings layer may pass a different one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.kernel.workdays import WorkCalendar

# -- ISBN (GB/T 5795-2006, ISO 2108) ----------------------------------------------------------------

# Separators readers and catalogue exports put between the parts: hyphen-minus, the Unicode
# hyphens and dashes a word processor substitutes, and the minus sign. Full-width forms
# (“－”, “９７８”, “ｘ”) are folded by NFKC before this set is applied.
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
# A leading label as printed on the copyright page: “ISBN 978-7-…”, “ISBN-13：978…”, “ISBN:7-…”.
# The -10/-13 suffix must be followed by a non-digit, or “ISBN1040…” would lose its first digits.
_LABEL = re.compile(r"^ISBN(?:-?1[03](?=\D))?\s*:?\s*")

# ISBN-13 is an EAN-13 in the “Bookland” prefixes: 978 (every former ISBN-10) and 979 (new
# ranges; 979 numbers have no ISBN-10 form). Mainland China's registration group is 7 under 978,
# so a Chinese book reads 978-7-…, or 7-… as an ISBN-10 (before 2007).
ISBN13_PREFIXES = ("978", "979")
ISBN_PREFIX_FROM_10 = "978"
CHINA_GROUP_PREFIX = "9787"


@dataclass(frozen=True)
class IsbnVerdict:
    """The outcome of checking one ISBN; ``reason`` is Chinese, ``error_code`` stable."""

    isbn: str  # the compact form that was checked (digits, and an X only as an ISBN-10 check)
    valid: bool
    isbn13: str | None = None  # the canonical ISBN-13, set when valid
    errors: tuple[str, ...] = field(default_factory=tuple)
    error_code: str | None = None

    @property
    def reason(self) -> str:
        return "；".join(self.errors) if self.errors else "校验通过"

    @property
    def is_chinese(self) -> bool:
        """True for a book registered in mainland China's group (978-7)."""
        return self.isbn13 is not None and self.isbn13.startswith(CHINA_GROUP_PREFIX)


def isbn_normalize(raw: str) -> str:
    """The compact form of an ISBN as typed: no label, no spaces or hyphens, capital X.

    NFKC first: an ISBN typed with a Chinese input method often arrives full-width
    (“９７８－７－…”), which is the same number. Normalizing does not validate.
    """
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    text = _LABEL.sub("", text)
    return "".join(ch for ch in text if not ch.isspace() and ch not in _SEPARATORS)


def isbn10_check_char(first9: str) -> str:
    """The ISBN-10 check character (mod 11, weights 10 … 2; a value of 10 is written X)."""
    total = sum(int(ch) * w for ch, w in zip(first9, range(10, 1, -1), strict=True))
    value = (11 - total % 11) % 11
    return "X" if value == 10 else str(value)


def isbn13_check_char(first12: str) -> str:
    """The ISBN-13 (EAN-13) check digit (mod 10, weights 1, 3, 1, 3 …)."""
    total = sum(int(ch) * (3 if i % 2 else 1) for i, ch in enumerate(first12))
    return str((10 - total % 10) % 10)


def _invalid(isbn: str, message: str, code: str) -> IsbnVerdict:
    return IsbnVerdict(isbn=isbn, valid=False, errors=(message,), error_code=code)


def isbn_validate(raw: str) -> IsbnVerdict:
    """Check an ISBN-10 or ISBN-13; a valid one carries its ISBN-13 (978 + body for an ISBN-10)."""
    isbn = isbn_normalize(raw)
    if not isbn:
        return _invalid(isbn, "ISBN不能为空", "isbn_empty")
    if len(isbn) not in (10, 13):
        return _invalid(isbn, f"ISBN应为10位或13位，实为{len(isbn)}位", "isbn_length")
    # Only an ISBN-10 may end in X (its check value 10); everything else is digits.
    body, last = isbn[:-1], isbn[-1]
    allowed_last = "0123456789X" if len(isbn) == 10 else "0123456789"
    if not body.isascii() or not body.isdigit() or last not in allowed_last:
        bad = sorted({ch for ch in body if not ("0" <= ch <= "9")} | ({last} - set(allowed_last)))
        return _invalid(isbn, "ISBN含有不允许的字符：" + "、".join(bad), "isbn_charset")
    if len(isbn) == 10:
        expected = isbn10_check_char(body)
        if last != expected:
            return _invalid(isbn, f"ISBN-10校验位应为“{expected}”，实为“{last}”", "isbn_check_digit")
        first12 = ISBN_PREFIX_FROM_10 + body
        return IsbnVerdict(isbn=isbn, valid=True, isbn13=first12 + isbn13_check_char(first12))
    if isbn[:3] not in ISBN13_PREFIXES:
        return _invalid(isbn, f"ISBN-13应以978或979开头，实为“{isbn[:3]}”", "isbn_prefix")
    expected = isbn13_check_char(body)
    if last != expected:
        return _invalid(isbn, f"ISBN-13校验位应为“{expected}”，实为“{last}”", "isbn_check_digit")
    return IsbnVerdict(isbn=isbn, valid=True, isbn13=isbn)


def isbn13_convert(raw: str) -> str:
    """The canonical ISBN-13 of a valid ISBN-10 or ISBN-13, the form the catalogue stores.

    Raises ``InvalidInput`` with the verdict's code when the ISBN is not valid.
    """
    verdict = isbn_validate(raw)
    if verdict.isbn13 is None:
        raise InvalidInput(
            f"ISBN“{verdict.isbn}”无效：{verdict.reason}",
            code=verdict.error_code or "isbn_invalid",
            detail={"isbn": verdict.isbn},
        )
    return verdict.isbn13


# -- loans ---------------------------------------------------------------------------------------


class ItemKind(StrEnum):
    BOOK = "book"  # 图书
    PERIODICAL = "periodical"  # 期刊


ITEM_KIND_LABELS: dict[str, str] = {ItemKind.BOOK: "图书", ItemKind.PERIODICAL: "期刊"}


@dataclass(frozen=True)
class LoanPolicy:
    """The window's lending policy (a setting, not statute).

    Periodicals go out for a short time because the current issue is what other readers want.
    A renewal adds the item kind's loan days again, counted from the current due date, so
    renewing early gains nothing over renewing on the last day.
    """

    book_loan_days: int = 30
    periodical_loan_days: int = 7
    max_renewals: int = 1
    max_loans_per_reader: int = 5

    def __post_init__(self) -> None:
        for name in ("book_loan_days", "periodical_loan_days", "max_loans_per_reader"):
            _require_int(getattr(self, name), name, minimum=1)
        _require_int(self.max_renewals, "max_renewals", minimum=0)

    def loan_days(self, item_kind: ItemKind | str) -> int:
        kind = _require_kind(item_kind)
        return self.book_loan_days if kind is ItemKind.BOOK else self.periodical_loan_days


def _require_int(value: object, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(
            f"{name}必须是不小于{minimum}的整数", code="number_invalid", detail={"field": name, "value": repr(value)}
        )
    return value


def _require_kind(item_kind: ItemKind | str) -> ItemKind:
    try:
        return ItemKind(item_kind)
    except ValueError:
        raise InvalidInput(
            f"未知的馆藏类型“{item_kind}”", code="library_item_kind_unknown", detail={"item_kind": str(item_kind)}
        ) from None


def _require_date(value: object, name: str) -> dt.date:
    # datetime is a subclass of date; letting one through would silently drop its time zone.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
    return value


DEFAULT_LOAN_POLICY = LoanPolicy()


def _open_day(day: dt.date, calendar: WorkCalendar) -> dt.date:
    # The window is closed on rest days; the first working day on or after ``day``.
    return calendar.rest_day_rollover(day)


def loan_due(*, borrowed_on: dt.date, item_kind: ItemKind | str, policy: LoanPolicy, calendar: WorkCalendar) -> dt.date:
    """The due date of a loan: the loan days after ``borrowed_on``, moved off a closed day.

    The loan days are calendar days counted from the day after borrowing (borrowed 1 March for
    30 days → due 31 March), as library loans and 民法典 第二百零一条 count them.
    """
    _require_date(borrowed_on, "borrowed_on")
    return _open_day(borrowed_on + dt.timedelta(days=policy.loan_days(item_kind)), calendar)


def loan_limit_check(*, current_loans: int, policy: LoanPolicy) -> None:
    """Refuse a new loan when the reader already holds the maximum number of items."""
    _require_int(current_loans, "current_loans", minimum=0)
    if current_loans >= policy.max_loans_per_reader:
        raise Conflict(
            f"每位读者最多同时借阅{policy.max_loans_per_reader}册，已借{current_loans}册，请先归还后再借",
            code="library_loan_limit",
            detail={"current_loans": current_loans, "max_loans": policy.max_loans_per_reader},
        )


@dataclass(frozen=True)
class Renewal:
    """A granted renewal: the new due date and the renewals used so far (this one included)."""

    due: dt.date
    renewals: int


def loan_renew(
    *,
    due: dt.date,
    renewals: int,
    today: dt.date,
    item_kind: ItemKind | str,
    reserved_by_other: bool = False,
    overdue_allowed: bool = False,
    policy: LoanPolicy,
    calendar: WorkCalendar,
) -> Renewal:
    """Renew a loan: the kind's loan days added to the current due date, moved off a closed day.

    Refused (``Conflict``) when the item is reserved by another reader (they are waiting for it),
    when the renewals are used up, or when the loan is already overdue unless staff allow it
    (``overdue_allowed``) — an overdue item is brought back first, so reminders keep meaning.
    Being due today is not overdue.
    """
    _require_date(due, "due")
    _require_date(today, "today")
    _require_int(renewals, "renewals", minimum=0)
    if reserved_by_other:
        raise Conflict(
            "该书已被其他读者预约，不能续借，请按期归还",
            code="library_renewal_reserved",
            detail={"due": due.isoformat()},
        )
    if renewals >= policy.max_renewals:
        raise Conflict(
            f"续借次数已达上限（{policy.max_renewals}次），不能再续借",
            code="library_renewal_limit",
            detail={"renewals": renewals, "max_renewals": policy.max_renewals},
        )
    overdue = loan_overdue_days(due=due, today=today)
    if overdue and not overdue_allowed:
        raise Conflict(
            f"借阅已逾期{overdue}天，不能续借，请先归还",
            code="library_renewal_overdue",
            detail={"due": due.isoformat(), "overdue_days": overdue},
        )
    new_due = _open_day(due + dt.timedelta(days=policy.loan_days(item_kind)), calendar)
    return Renewal(due=new_due, renewals=renewals + 1)


def loan_overdue_days(*, due: dt.date, today: dt.date) -> int:
    """Calendar days past the due date; 0 up to and including the due date itself."""
    _require_date(due, "due")
    _require_date(today, "today")
    return max(0, (today - due).days)


# -- reminders -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoanReminderState:
    """What the reminder run needs to know about one open loan."""

    loan_id: int
    due: dt.date
    due_soon_sent: bool = False
    overdue_sent: bool = False


@dataclass(frozen=True)
class ReminderBatch:
    """The loans to remind today, by kind, in the order they were given."""

    due_soon: tuple[int, ...]
    overdue: tuple[int, ...]


def reminders_due(*, loans: Iterable[LoanReminderState], today: dt.date, days_before: int) -> ReminderBatch:
    """Which open loans get a "due soon" reminder and which an overdue one today.

    Due soon: due today or within ``days_before`` days, and not yet reminded so. Overdue: past
    the due date and not yet reminded so. Each kind goes out at most once per loan (the flags
    are the caller's record of what was sent); a loan already overdue gets only the overdue
    reminder — telling a reader a book is "due soon" after the date would be wrong.
    """
    _require_date(today, "today")
    _require_int(days_before, "days_before", minimum=0)
    due_soon: list[int] = []
    overdue: list[int] = []
    for loan in loans:
        _require_date(loan.due, "due")
        days_left = (loan.due - today).days
        if days_left < 0:
            if not loan.overdue_sent:
                overdue.append(loan.loan_id)
        elif days_left <= days_before and not loan.due_soon_sent:
            due_soon.append(loan.loan_id)
    return ReminderBatch(due_soon=tuple(due_soon), overdue=tuple(overdue))
