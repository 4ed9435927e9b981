"""The service centre's own tables (四进中心): the leaders' duty roster, the hall's information,
the library window and the legal-aid desk.

Personal data of legal-aid applicants and consulting citizens (identity numbers, phones,
incomes) live only in the legal-aid tables; identity numbers are sealed at rest, as the
experts' are (see ``experts.personal``), and only the legal-aid staff read them.
"""

from __future__ import annotations

from django.db import models

# --- The departments stationed in the hall and their leaders --------------------------------------


class Department(models.Model):
    """A department stationed in the hall (窗口部门)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100, unique=True)
    stationed = models.BooleanField(default=True)  # takes part in the duty roster
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("order", "code")

    def __str__(self) -> str:
        return self.name


class Leader(models.Model):
    """A member of a department's leadership (班子成员) who may sit in the hall on duty day."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="leaders")
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=50)
    title = models.CharField(max_length=50)  # 职务, e.g. 副局长
    phone = models.CharField(max_length=20, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)  # the account reminders go to, if any
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("department__order", "code")

    def __str__(self) -> str:
        return f"{self.department.name} {self.title} {self.name}"


class LeaderUnavailability(models.Model):
    """Days a leader has declared they cannot sit in the hall (meetings, travel, leave)."""

    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="unavailability")
    start = models.DateField()
    end = models.DateField()
    reason = models.CharField(max_length=200)
    entered_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.leader_id}: {self.start}–{self.end}"


# --- The duty roster (窗口部门领导进中心) ---------------------------------------------------------------


class RosterYear(models.Model):
    """A year's rotation: generated once, changed only by recorded swaps and reassignments."""

    year = models.PositiveIntegerField(unique=True)
    per_day = models.PositiveSmallIntegerField()  # departments on each duty day
    generated_at = models.DateTimeField()
    generated_by = models.CharField(max_length=150)
    published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.year)


class DutyAssignment(models.Model):
    """One leader of one department on one duty day (the 10th, or the next working day)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "待值班"
        ATTENDED = "attended", "已到岗"
        ABSENT = "absent", "未到岗"

    roster = models.ForeignKey(RosterYear, on_delete=models.CASCADE, related_name="assignments")
    day = models.DateField()
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="assignments")
    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    reminded_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    attendance_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("day", "department__order")
        constraints = (models.UniqueConstraint(fields=["day", "department"], name="center_duty_day_department"),)

    def __str__(self) -> str:
        return f"{self.day} {self.department_id}"


class DutyChange(models.Model):
    """A swap of two assignments or a reassignment to another leader, with its reason."""

    class Kind(models.TextChoices):
        SWAP = "swap", "调换"
        REASSIGN = "reassign", "改派"

    assignment = models.ForeignKey(DutyAssignment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    other = models.ForeignKey(DutyAssignment, on_delete=models.SET_NULL, null=True, related_name="+")
    leader_before = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="+")
    leader_after = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    by = models.CharField(max_length=150)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} {self.assignment_id}"


class DutyIssue(models.Model):
    """A matter the public raised with the leader on duty, and what was done about it."""

    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        RESOLVED = "resolved", "已办结"

    assignment = models.ForeignKey(DutyAssignment, on_delete=models.CASCADE, related_name="issues")
    summary = models.TextField()
    raised_by = models.CharField(max_length=100, blank=True)  # as the person gave it; may be empty
    contact = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    follow_up = models.TextField(blank=True)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.summary[:30]


# --- Hall information ------------------------------------------------------------------------------


class OpeningHours(models.Model):
    """When the hall is open on a weekday (1 = Monday … 7 = Sunday); it opens an hour early at 8:00."""

    weekday = models.PositiveSmallIntegerField(unique=True)
    opens = models.TimeField(null=True, blank=True)  # null: closed that day
    closes = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("weekday",)

    def __str__(self) -> str:
        return f"{self.weekday}: {self.opens}–{self.closes}"


class Amenity(models.Model):
    """A service or amenity of the hall: water, wifi, reading corner, parking …"""

    class Kind(models.TextChoices):
        WATER = "water", "饮水"
        WIFI = "wifi", "无线网络"
        READING = "reading", "阅读"
        PARKING = "parking", "停车"
        OTHER = "other", "其他"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=100, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("order", "id")

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    """A service window of the hall and what a department handles there."""

    number = models.CharField(max_length=10, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="windows")
    floor = models.CharField(max_length=20, blank=True)
    services = models.TextField(blank=True)

    class Meta:
        ordering = ("number",)

    def __str__(self) -> str:
        return self.number


class Announcement(models.Model):
    """A notice to the hall's visitors, shown between its publication and expiry."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    pinned = models.BooleanField(default=False)
    published_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    author = models.CharField(max_length=150)

    class Meta:
        ordering = ("-pinned", "-published_at")

    def __str__(self) -> str:
        return self.title


# --- The library window (党校图书服务窗口) --------------------------------------------------------------


class Book(models.Model):
    """A catalogue entry: a book, or a periodical title whose issues are its copies."""

    class Kind(models.TextChoices):
        BOOK = "book", "图书"
        PERIODICAL = "periodical", "期刊"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.BOOK)
    isbn = models.CharField(max_length=13, blank=True, db_index=True)  # ISBN-13 (ISSN for periodicals)
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    category = models.CharField(max_length=20, blank=True)  # 中图法 class, e.g. D6
    call_number = models.CharField(max_length=50, blank=True)
    summary = models.TextField(blank=True)
    recommended_at = models.DateTimeField(null=True, blank=True)  # new-book recommendation
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.title


class Copy(models.Model):
    """A physical copy (or a periodical's issue) that can be lent."""

    class Status(models.TextChoices):
        AVAILABLE = "available", "在架"
        ON_LOAN = "on_loan", "借出"
        LOST = "lost", "遗失"

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="copies")
    barcode = models.CharField(max_length=30, unique=True)
    issue = models.CharField(max_length=50, blank=True)  # a periodical's issue, e.g. 2026年第10期
    shelf = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AVAILABLE)

    def __str__(self) -> str:
        return self.barcode


class Reader(models.Model):
    """A library card holder."""

    card_no = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=50)
    organisation = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.card_no


class Loan(models.Model):
    """A copy lent to a reader, with its due date, renewals and reminders."""

    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="loans")
    reader = models.ForeignKey(Reader, on_delete=models.PROTECT, related_name="loans")
    borrowed_on = models.DateField()
    due_on = models.DateField()
    renewals = models.PositiveSmallIntegerField(default=0)
    returned_on = models.DateField(null=True, blank=True)
    reminded_due_soon_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)
    lent_by = models.CharField(max_length=150)

    class Meta:
        constraints = (
            # A copy is out to one reader at a time.
            models.UniqueConstraint(
                fields=["copy"], condition=models.Q(returned_on__isnull=True), name="center_loan_one_open_per_copy"
            ),
        )

    def __str__(self) -> str:
        return f"{self.copy_id} → {self.reader_id}"


# --- The legal-aid desk (法律援助进中心) --------------------------------------------------------------


class Consultation(models.Model):
    """A legal consultation at the desk: who asked, about what, the advice given, when."""

    person_name = models.CharField(max_length=50)
    phone = models.CharField(max_length=20, blank=True)
    topic = models.CharField(max_length=30)  # a case type code, as cases use
    question = models.TextField()
    advice = models.TextField()
    consulted_at = models.DateTimeField()
    staff = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"{self.topic} {self.consulted_at:%Y-%m-%d}"


class LegalAidCase(models.Model):
    """A legal-aid application and, when accepted, the case through its closing."""

    number = models.CharField(max_length=30, unique=True)
    applicant_name = models.CharField(max_length=50)
    id_number_sealed = models.TextField(blank=True)  # sealed like the experts' (never in clear at rest)
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True)
    household_size = models.PositiveSmallIntegerField()
    monthly_income_fen = models.BigIntegerField()
    exempt_category = models.CharField(max_length=40, blank=True)
    eligible = models.BooleanField()
    eligibility_reason = models.CharField(max_length=300)
    case_type = models.CharField(max_length=30)
    summary = models.TextField()
    status = models.CharField(max_length=12)  # legal_aid_rules: applied → … → closed
    received_on = models.DateField()
    review_deadline = models.DateField()
    # 程序规定: missing materials are asked for once, all together; the review waits until they come
    # and its period is counted again from the day they are complete.
    materials_requested_on = models.DateField(null=True, blank=True)
    materials_missing = models.TextField(blank=True)
    lawyer_name = models.CharField(max_length=50, blank=True)
    lawyer_firm = models.CharField(max_length=100, blank=True)
    outcome = models.TextField(blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-received_on", "number")

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One step of a legal-aid case."""

    case = models.ForeignKey(LegalAidCase, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    status_from = models.CharField(max_length=12)
    status_to = models.CharField(max_length=12)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.case_id} {self.status_from}→{self.status_to}"
