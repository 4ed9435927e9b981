"""center.library_rules: ISBNs, due dates on the window's calendar, renewals and reminders.

No database. The calendar is the State Council's 2025 arrangement (国办发明电〔2024〕12号), typed in
as in kernel/tests/test_workdays.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from zhengwu.contexts.center.library_rules import (
    DEFAULT_LOAN_POLICY,
    ItemKind,
    LoanPolicy,
    LoanReminderState,
    Renewal,
    isbn13_convert,
    isbn_normalize,
    isbn_validate,
    loan_due,
    loan_limit_check,
    loan_overdue_days,
    loan_renew,
    reminders_due,
)
from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.kernel.workdays import WorkCalendar

D = dt.date


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


CAL = WorkCalendar(
    holidays={
        **dict.fromkeys([D(2025, 1, 1)], "元旦"),
        **dict.fromkeys(_span(D(2025, 1, 28), D(2025, 2, 4)), "春节"),
        **dict.fromkeys(_span(D(2025, 4, 4), D(2025, 4, 6)), "清明节"),
        **dict.fromkeys(_span(D(2025, 5, 1), D(2025, 5, 5)), "劳动节"),
        **dict.fromkeys(_span(D(2025, 5, 31), D(2025, 6, 2)), "端午节"),
        **dict.fromkeys(_span(D(2025, 10, 1), D(2025, 10, 8)), "国庆节、中秋节"),
    },
    adjusted_workdays={
        D(2025, 1, 26): "春节",
        D(2025, 2, 8): "春节",
        D(2025, 4, 27): "劳动节",
        D(2025, 9, 28): "国庆节、中秋节",
        D(2025, 10, 11): "国庆节、中秋节",
    },
)
POLICY = DEFAULT_LOAN_POLICY

# -- ISBN -----------------------------------------------------------------------------------------

# Check digits worked by hand: 7-5366-9293-5 → 7·10+5·9+3·8+6·7+6·6+9·5+2·4+9·3+3·2 = 303 ≡ 6 (mod 11),
# check 11−6 = 5. 7-111-00003-X → 70+9+8+7+6 = 100 ≡ 1, check 10 = X. The others are the
# standard's textbook examples.
VALID = [
    ("978-7-5366-9293-0", "9787536692930"),  # a Chinese book (group 7)
    ("7-5366-9293-5", "9787536692930"),  # the same book's pre-2007 ISBN-10
    ("7-111-00003-X", "9787111000037"),  # Chinese ISBN-10 with an X check
    ("0-8044-2957-X", "9780804429573"),
    ("0-306-40615-2", "9780306406157"),
    ("978-0-306-40615-7", "9780306406157"),
    ("979-10-90636-07-1", "9791090636071"),  # a 979 number: no ISBN-10 form
]


@pytest.mark.parametrize(("raw", "isbn13"), VALID)
def test_valid_isbns_carry_their_isbn13(raw: str, isbn13: str) -> None:
    verdict = isbn_validate(raw)
    assert verdict.valid is True
    assert verdict.isbn13 == isbn13
    assert verdict.error_code is None
    assert verdict.reason == "校验通过"
    assert isbn13_convert(raw) == isbn13


def test_chinese_books_are_in_group_978_7() -> None:
    assert isbn_validate("7-5366-9293-5").is_chinese is True
    assert isbn_validate("9787536692930").is_chinese is True
    assert isbn_validate("0-306-40615-2").is_chinese is False


@pytest.mark.parametrize(
    "raw",
    [
        "ＩＳＢＮ ９７８－７－５３６６－９２９３－０",  # full-width, typed with a Chinese input method
        "ISBN 978 7 5366 9293 0",
        "ISBN-13: 978-7-5366-9293-0",
        "isbn：9787536692930",
        "978\u20137\u20135366\u20139293\u20130",  # en dashes from a word processor
        " 9787536692930 ",
    ],
)
def test_labels_separators_and_full_width_digits_are_tolerated(raw: str) -> None:
    assert isbn_normalize(raw) == "9787536692930"
    assert isbn_validate(raw).isbn13 == "9787536692930"


def test_normalize_keeps_a_lower_case_x_as_capital_and_the_label_suffix_needs_a_separator() -> None:
    assert isbn_normalize("7-111-00003-x") == "711100003X"
    assert isbn_normalize("ISBN-10 7-111-00003-ｘ") == "711100003X"
    # Without a separator "10" is part of the number, not the label's suffix.
    assert isbn_normalize("ISBN1040261372") == "1040261372"


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("978-7-5366-9293-1", "isbn_check_digit", "ISBN-13校验位应为“0”，实为“1”"),
        ("978-7-5366-9239-0", "isbn_check_digit", "ISBN-13校验位应为"),  # two digits swapped
        ("7-5366-9293-6", "isbn_check_digit", "ISBN-10校验位应为“5”，实为“6”"),
        ("7-5366-9293-X", "isbn_check_digit", "ISBN-10校验位应为“5”，实为“X”"),
        ("7-111-00003-0", "isbn_check_digit", "ISBN-10校验位应为“X”，实为“0”"),
        ("977-7-5366-9293-0", "isbn_prefix", "ISBN-13应以978或979开头，实为“977”"),
        ("978-7-5366-9293-X", "isbn_charset", "ISBN含有不允许的字符：X"),  # X only ends an ISBN-10
        ("7-5X66-9293-5", "isbn_charset", "ISBN含有不允许的字符：X"),
        ("978-7-5366-9293", "isbn_length", "ISBN应为10位或13位，实为12位"),
        ("", "isbn_empty", "ISBN不能为空"),
        ("ISBN", "isbn_empty", "ISBN不能为空"),
    ],
)
def test_mutated_isbns_are_refused_with_a_stable_code(raw: str, code: str, message: str) -> None:
    verdict = isbn_validate(raw)
    assert verdict.valid is False
    assert verdict.isbn13 is None
    assert verdict.error_code == code
    assert verdict.reason.startswith(message)
    with pytest.raises(InvalidInput) as caught:
        isbn13_convert(raw)
    assert caught.value.code == code


def test_every_single_digit_change_of_an_isbn13_is_caught() -> None:
    good = "9787536692930"
    for i in range(13):
        for digit in "0123456789":
            if digit != good[i]:
                mutated = good[:i] + digit + good[i + 1 :]
                assert isbn_validate(mutated).valid is False, mutated


# -- loan policy and due dates --------------------------------------------------------------------


def test_default_policy() -> None:
    assert POLICY.loan_days(ItemKind.BOOK) == 30
    assert POLICY.loan_days("periodical") == 7
    assert POLICY.max_renewals == 1
    assert POLICY.max_loans_per_reader == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICY.max_renewals = 2  # type: ignore[misc]


def test_a_policy_refuses_nonsense_numbers_and_kinds() -> None:
    with pytest.raises(InvalidInput) as caught:
        LoanPolicy(book_loan_days=0)
    assert caught.value.code == "number_invalid"
    with pytest.raises(InvalidInput) as caught:
        LoanPolicy(max_renewals=-1)
    assert caught.value.code == "number_invalid"
    with pytest.raises(InvalidInput) as caught:
        POLICY.loan_days("dvd")
    assert caught.value.code == "library_item_kind_unknown"


@pytest.mark.parametrize(
    ("borrowed_on", "kind", "due"),
    [
        (D(2025, 3, 3), ItemKind.BOOK, D(2025, 4, 2)),  # ordinary Wednesday
        (D(2025, 3, 3), ItemKind.PERIODICAL, D(2025, 3, 10)),  # Monday a week later
        (D(2025, 2, 13), ItemKind.BOOK, D(2025, 3, 17)),  # day 30 is Saturday 15 March → Monday
        (D(2025, 9, 1), ItemKind.BOOK, D(2025, 10, 9)),  # day 30 is 1 October, inside 国庆节 → 9 October
        (D(2025, 9, 24), ItemKind.PERIODICAL, D(2025, 10, 9)),
        (D(2025, 8, 29), ItemKind.BOOK, D(2025, 9, 28)),  # Sunday 28 September is a working day: stays
    ],
)
def test_due_dates_move_off_days_the_window_is_closed(borrowed_on: dt.date, kind: ItemKind, due: dt.date) -> None:
    assert loan_due(borrowed_on=borrowed_on, item_kind=kind, policy=POLICY, calendar=CAL) == due


def test_a_due_date_in_a_year_without_a_calendar_raises() -> None:
    with pytest.raises(InvalidInput) as caught:
        loan_due(borrowed_on=D(2025, 12, 15), item_kind=ItemKind.BOOK, policy=POLICY, calendar=CAL)
    assert caught.value.code == "calendar_year_missing"


def test_loan_limit_per_reader() -> None:
    loan_limit_check(current_loans=4, policy=POLICY)
    with pytest.raises(Conflict) as caught:
        loan_limit_check(current_loans=5, policy=POLICY)
    assert caught.value.code == "library_loan_limit"
    assert caught.value.detail == {"current_loans": 5, "max_loans": 5}


# -- renewals -------------------------------------------------------------------------------------


def test_a_renewal_extends_from_the_current_due_date() -> None:
    # Renewed a week early, the 30 days still run from the due date 17 March.
    renewal = loan_renew(
        due=D(2025, 3, 17), renewals=0, today=D(2025, 3, 10), item_kind=ItemKind.BOOK, policy=POLICY, calendar=CAL
    )
    assert renewal == Renewal(due=D(2025, 4, 16), renewals=1)


def test_a_renewal_on_the_due_date_is_not_overdue_and_moves_off_a_holiday() -> None:
    # 1 April + 30 = 1 May, inside 劳动节 (1–5 May) → Tuesday 6 May.
    renewal = loan_renew(
        due=D(2025, 4, 1), renewals=0, today=D(2025, 4, 1), item_kind=ItemKind.BOOK, policy=POLICY, calendar=CAL
    )
    assert renewal == Renewal(due=D(2025, 5, 6), renewals=1)


def test_a_periodical_is_renewed_for_its_own_loan_days() -> None:
    renewal = loan_renew(
        due=D(2025, 3, 10), renewals=0, today=D(2025, 3, 8), item_kind="periodical", policy=POLICY, calendar=CAL
    )
    assert renewal.due == D(2025, 3, 17)


def test_renewals_beyond_the_maximum_are_refused() -> None:
    with pytest.raises(Conflict) as caught:
        loan_renew(
            due=D(2025, 4, 16), renewals=1, today=D(2025, 4, 10), item_kind=ItemKind.BOOK, policy=POLICY, calendar=CAL
        )
    assert caught.value.code == "library_renewal_limit"
    assert "续借次数已达上限（1次）" in caught.value.message
    # A policy allowing two renewals grants the second.
    two = LoanPolicy(max_renewals=2)
    renewal = loan_renew(
        due=D(2025, 4, 16), renewals=1, today=D(2025, 4, 10), item_kind=ItemKind.BOOK, policy=two, calendar=CAL
    )
    assert renewal.renewals == 2


def test_an_overdue_loan_is_not_renewed_unless_staff_allow_it() -> None:
    with pytest.raises(Conflict) as caught:
        loan_renew(
            due=D(2025, 3, 17), renewals=0, today=D(2025, 3, 19), item_kind=ItemKind.BOOK, policy=POLICY, calendar=CAL
        )
    assert caught.value.code == "library_renewal_overdue"
    assert caught.value.detail == {"due": "2025-03-17", "overdue_days": 2}
    assert "逾期2天" in caught.value.message
    renewal = loan_renew(
        due=D(2025, 3, 17),
        renewals=0,
        today=D(2025, 3, 19),
        item_kind=ItemKind.BOOK,
        overdue_allowed=True,
        policy=POLICY,
        calendar=CAL,
    )
    assert renewal == Renewal(due=D(2025, 4, 16), renewals=1)


def test_a_loan_reserved_by_another_reader_is_not_renewed() -> None:
    with pytest.raises(Conflict) as caught:
        loan_renew(
            due=D(2025, 3, 17),
            renewals=0,
            today=D(2025, 3, 10),
            item_kind=ItemKind.BOOK,
            reserved_by_other=True,
            policy=POLICY,
            calendar=CAL,
        )
    assert caught.value.code == "library_renewal_reserved"


# -- overdue days and reminders -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "days"),
    [(D(2025, 3, 16), 0), (D(2025, 3, 17), 0), (D(2025, 3, 18), 1), (D(2025, 4, 17), 31)],
)
def test_overdue_days_count_calendar_days_after_the_due_date(today: dt.date, days: int) -> None:
    assert loan_overdue_days(due=D(2025, 3, 17), today=today) == days


def test_dates_only() -> None:
    with pytest.raises(TypeError):
        loan_overdue_days(due=dt.datetime(2025, 3, 17, 12, 0), today=D(2025, 3, 18))  # type: ignore[arg-type]


def test_reminders_pick_due_soon_and_overdue_loans_once_each() -> None:
    today = D(2025, 3, 10)
    loans = [
        LoanReminderState(loan_id=1, due=D(2025, 3, 13)),  # 3 days left: due soon
        LoanReminderState(loan_id=2, due=D(2025, 3, 14)),  # 4 days left: not yet
        LoanReminderState(loan_id=3, due=D(2025, 3, 10)),  # due today: due soon
        LoanReminderState(loan_id=4, due=D(2025, 3, 9)),  # overdue
        LoanReminderState(loan_id=5, due=D(2025, 3, 12), due_soon_sent=True),  # already reminded
        LoanReminderState(loan_id=6, due=D(2025, 3, 1), due_soon_sent=True, overdue_sent=True),
        LoanReminderState(loan_id=7, due=D(2025, 3, 5)),  # overdue, never reminded: overdue only
    ]
    batch = reminders_due(loans=loans, today=today, days_before=3)
    assert batch.due_soon == (1, 3)
    assert batch.overdue == (4, 7)

    # The caller records what was sent; the next run sends nothing again.
    sent = [
        dataclasses.replace(
            loan,
            due_soon_sent=loan.due_soon_sent or loan.loan_id in batch.due_soon,
            overdue_sent=loan.overdue_sent or loan.loan_id in batch.overdue,
        )
        for loan in loans
    ]
    again = reminders_due(loans=sent, today=today, days_before=3)
    assert (again.due_soon, again.overdue) == ((), ())

    # A loan reminded as due soon still gets its one overdue reminder once the date passes.
    later = reminders_due(loans=sent, today=D(2025, 3, 14), days_before=3)
    assert later.overdue == (1, 3, 5)
    assert later.due_soon == (2,)


def test_reminders_need_a_non_negative_lead_time() -> None:
    assert reminders_due(loans=[], today=D(2025, 3, 10), days_before=0).due_soon == ()
    with pytest.raises(InvalidInput) as caught:
        reminders_due(loans=[], today=D(2025, 3, 10), days_before=-1)
    assert caught.value.code == "number_invalid"
