"""Demo data of the hall's information, written through ``hall``'s services.

The demo hall opens Monday to Friday 8:00–17:30 (an hour before the usual 9:00, so people can
come before work) and is closed at the weekend; holidays and make-up working days follow the
working-day calendar. Windows go to the departments already loaded (A01… on the first floor,
B01… on the second). Loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from zhengwu.contexts.center import hall
from zhengwu.contexts.center.models import Amenity, Announcement, Department, OpeningHours
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now

WEEKDAY_OPENS = dt.time(8, 0)
WEEKDAY_CLOSES = dt.time(17, 30)
WEEKDAY_NOTE = "提前一小时于8:00开门，中午不休息"
WINDOWS_PER_FLOOR = 18

AMENITIES: tuple[tuple[str, str, str, str], ...] = (
    ("water", "饮水机", "提供冷热饮用水及一次性纸杯", "一楼大厅东侧、二楼电梯口"),
    ("wifi", "免费WiFi", "网络名称：ZWZX-Free；连接后在弹出页面输入手机号获取验证码即可上网", "大厅全覆盖"),
    ("reading", "阅读角", "政策汇编、报刊杂志，可在党校图书服务窗口借阅", "一楼西侧"),
    ("parking", "停车场", "地下停车位200个，办事群众凭办件回执2小时内免费，超时每小时3元", "地下一层，北门入口"),
    ("other", "母婴室", "配有哺乳椅、尿布台、温奶器", "二楼东侧卫生间旁"),
    ("other", "自助服务区", "24小时自助终端：社保、公积金、不动产查询打印", "一楼南门入口"),
    ("other", "爱心服务台", "老年人、残疾人帮办代办，轮椅、老花镜、雨伞借用", "一楼导服台"),
)


def hall_demo_load(*, by: Actor) -> None:
    """Load the demo hours, amenities, windows and announcements, once: a second run writes nothing."""
    if OpeningHours.objects.exists():
        return
    for weekday in range(1, 8):
        if weekday <= 5:
            hall.opening_hours_set(
                weekday=weekday, opens=WEEKDAY_OPENS, closes=WEEKDAY_CLOSES, note=WEEKDAY_NOTE, by=by
            )
        else:
            hall.opening_hours_set(weekday=weekday, opens=None, closes=None, note="休息", by=by)
    for order, (kind, name, description, location) in enumerate(AMENITIES, start=1):
        existing = Amenity.objects.filter(name=name).first()
        if existing is None:
            hall.amenity_save(kind=kind, name=name, description=description, location=location, order=order * 10, by=by)
    for index, department in enumerate(Department.objects.filter(stationed=True)):
        letter, floor = ("A", "一楼") if index < WINDOWS_PER_FLOOR else ("B", "二楼")
        number = f"{letter}{index % WINDOWS_PER_FLOOR + 1:02d}"
        hall.window_save(
            number=number,
            department=department,
            floor=floor,
            services=f"{department.name}政务服务事项受理、咨询与出件",
            by=by,
        )
    _announcements_load(by=by)


def _announcements_load(*, by: Actor) -> None:
    now = clock_now()
    if not Announcement.objects.filter(title="关于延长午间服务时间的公告").exists():
        hall.announcement_publish(
            title="关于延长午间服务时间的公告",
            body="即日起，大厅工作日中午不休息，8:00至17:30连续办理业务。",
            pinned=True,
            expires_at=None,
            by=by,
        )
    if not Announcement.objects.filter(title="“企业开办一窗通办”专区启用").exists():
        hall.announcement_publish(
            title="“企业开办一窗通办”专区启用",
            body="企业设立登记、公章刻制、申领发票、社保登记可在A01至A04窗口一次办结。",
            pinned=False,
            expires_at=now + dt.timedelta(days=90),
            by=by,
        )
    # A notice that has run its course: kept on record, no longer shown to the public.
    if not Announcement.objects.filter(title="系统升级暂停部分业务的通知").exists():
        old = hall.announcement_publish(
            title="系统升级暂停部分业务的通知",
            body="因系统升级，不动产登记业务暂停受理一天。",
            pinned=False,
            expires_at=None,
            by=by,
        )
        hall.announcement_withdraw(announcement=old, by=by)
