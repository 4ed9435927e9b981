"""Demo data of the leaders' duty roster: 36 Kunming departments stationed in the hall, their
leaders, a few declared absences, and this year's roster generated, published and, for the
duty days already past, attended with some issues raised by the public.
"""

from __future__ import annotations

import datetime as dt

from zhengwu.contexts.center import roster
from zhengwu.contexts.center.models import Department, DutyAssignment, Leader
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today
from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.workdays.selectors import calendar_get

DEPARTMENTS = (
    "市发展和改革委员会",
    "市市场监督管理局",
    "市自然资源和规划局",
    "市住房和城乡建设局",
    "市公安局出入境管理支队",
    "市公安局交通管理支队",
    "市公安局户政管理处",
    "市人力资源和社会保障局",
    "市医疗保障局",
    "市税务局",
    "市生态环境局",
    "市交通运输局",
    "市水务局",
    "市农业农村局",
    "市商务局",
    "市文化和旅游局",
    "市卫生健康委员会",
    "市教育体育局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市应急管理局",
    "市林业和草原局",
    "市城市管理局",
    "市退役军人事务局",
    "市民族宗教事务委员会",
    "市工业和信息化局",
    "市科学技术局",
    "市残疾人联合会",
    "市住房公积金管理中心",
    "市不动产登记中心",
    "市气象局",
    "市消防救援支队",
    "市烟草专卖局",
    "市邮政管理局",
    "市人民防空办公室",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
GIVEN = (
    "建国",
    "晓东",
    "丽华",
    "志强",
    "海燕",
    "文斌",
    "春梅",
    "立新",
    "红英",
    "明亮",
    "永平",
    "秀兰",
    "俊杰",
    "玉芬",
    "国栋",
    "雪梅",
    "卫东",
    "云峰",
)
TITLES = ("局长", "副局长", "副局长", "党组成员")
PER_DAY = 3
ISSUES = (
    (
        "企业开办后申领发票流程能否再简化？",
        "某餐饮公司经办人",
        "办结：已会同税务窗口推行发票申领“一窗通办”，当场指导办理。",
    ),
    ("不动产登记和水电气过户能否一次办完？", "市民", "办结：已纳入“一件事一次办”联办清单，下月上线。"),
)


def _titles(department_name: str, count: int) -> list[str]:
    # Committees and centres are led by a 主任, bureaus by a 局长.
    if department_name.endswith(("委员会", "中心", "办公室", "联合会")):
        base = ["主任", "副主任", "副主任", "党组成员"]
    else:
        base = list(TITLES)
    return base[:count]


def roster_demo_load(*, by: Actor) -> None:
    """Load the roster's demo data through the services; does nothing when departments exist."""
    if Department.objects.exists():
        return
    leaders: list[Leader] = []
    for index, name in enumerate(DEPARTMENTS, start=1):
        department = roster.department_create(code=f"D{index:02d}", name=name, order=index, by=by)
        count = 2 + index % 3  # two to four members, varied
        for number, title in enumerate(_titles(name, count), start=1):
            serial = index * 4 + number
            person = SURNAMES[serial % len(SURNAMES)] + GIVEN[(serial * 7) % len(GIVEN)]
            leaders.append(
                roster.leader_create(
                    department=department,
                    code=f"D{index:02d}L{number}",
                    name=person,
                    title=title,
                    phone=f"1398710{serial:04d}",
                    by=by,
                )
            )
    year = clock_today().year
    if not calendar_get().year_loaded(year):
        return  # no official arrangement for this year yet: no duty days can be fixed
    for leader, month, reason in (
        (leaders[0], 3, "赴省里参加专题会议"),
        (leaders[5], 6, "带队外出考察"),
        (leaders[9], 9, "年休假"),
    ):
        start = dt.date(year, month, 8)
        roster.unavailability_declare(
            leader=leader, start=start, end=start + dt.timedelta(days=7), reason=reason, by=by
        )
    try:
        current = roster.roster_generate(year=year, per_day=PER_DAY, by=by)
    except InvalidInput:
        return  # e.g. the next year's arrangement, needed for a rolled-over December day, is missing
    roster.roster_publish(roster=current, by=by)
    today = clock_today()
    past = list(DutyAssignment.objects.filter(roster=current, day__lte=today).select_related("leader"))
    for number, assignment in enumerate(past):
        attended = number % 11 != 5  # now and then a leader was called away
        roster.duty_attendance_record(
            assignment=assignment, attended=attended, note="" if attended else "临时参加市政府常务会议", by=by
        )
    for assignment, (summary, raised_by, follow_up) in zip(past[::3], ISSUES, strict=False):
        issue = roster.duty_issue_add(assignment=assignment, summary=summary, raised_by=raised_by, contact="", by=by)
        roster.duty_issue_resolve(issue=issue, follow_up=follow_up, by=by)
    if past:
        roster.duty_issue_add(
            assignment=past[-1], summary="希望延长周末办理时间。", raised_by="市民", contact="", by=by
        )
