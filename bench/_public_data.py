"""Realistic public notices, written straight into the public platform's read model (COPY).

Titles and texts are assembled from Kunming's districts, project kinds and the phrases notices
use, so the Chinese full-text index sees text shaped like the real thing: many common pairs
(工程, 招标, 公告) and a long tail of rarer ones. Every notice of ``MARKER_PROJECT`` carries the
project name ``MARKER_NAME``; there are ``MARKER_COUNT`` of them whatever the total, so a search
for it has the same answer at every size (what a person searching for one project does).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable, Iterator

from zhengwu.contexts.disclosure.search import notice_search_document

DISTRICTS = [
    ("530102", "五华区"),
    ("530103", "盘龙区"),
    ("530111", "官渡区"),
    ("530112", "西山区"),
    ("530113", "东川区"),
    ("530114", "呈贡区"),
    ("530115", "晋宁区"),
    ("530124", "富民县"),
    ("530125", "宜良县"),
    ("530181", "安宁市"),
]
WORKS = [
    "道路改造工程",
    "学校教学楼新建工程",
    "医院门诊楼扩建工程",
    "污水处理厂提标改造工程",
    "老旧小区改造项目",
    "农村饮水安全工程",
    "河道综合治理工程",
    "公园景观提升工程",
    "桥梁加固工程",
    "体育馆维修工程",
]
GOODS = ["办公设备采购", "医疗设备采购", "教学设备采购", "车辆采购", "物业管理服务采购", "信息化系统建设采购"]
OWNERS = ["城市建设投资有限公司", "教育体育局", "卫生健康局", "住房和城乡建设局", "水务局", "交通运输局"]
AGENCIES = ["云南某招标代理有限公司", "昆明某工程咨询有限公司", "云南某项目管理有限公司"]
SENTENCES = [
    "本招标项目已由相关部门批准建设，项目业主为{owner}，建设资金来自财政资金，项目已具备招标条件。",
    "招标范围：{name}施工图范围内的全部内容，计划工期{days}日历天。",
    "投标人须具备建设行政主管部门核发的相应资质，并在人员、设备、资金等方面具有相应的施工能力。",
    "本次招标不接受联合体投标。投标人应在交易平台下载招标文件。",
    "投标文件递交的截止时间为开标时间，投标人应在截止时间前通过交易平台递交电子投标文件。",
    "本次招标公告同时在公共资源交易网和中国招标投标公共服务平台上发布。",
    "采购需求：{name}，采购预算{budget}元，最高限价与预算相同。",
]
MARKER_PROJECT = "E530100000000000MK"
MARKER_NAME = "滇池东岸湿地生态修复工程"
MARKER_COUNT = 20
START = dt.datetime(2018, 1, 1, tzinfo=dt.UTC)

COLUMNS = (
    "notice_id",
    "kind",
    "trade_type",
    "procedure",
    "project_code",
    "project_name",
    "section_codes",
    "title",
    "body",
    "tenderer_name",
    "agency_name",
    "region_code",
    "budget_fen",
    "published_at",
    "bid_deadline",
    "opening_at",
    "attachments",
    "opening_keys",
    "received_at",
    "search_terms",
)


def notice_rows(*, start: int, count: int, seed: int = 7) -> Iterator[tuple[object, ...]]:
    """Rows ``start`` … ``start + count - 1`` of the notice sequence, published one every few minutes."""
    rng = random.Random(seed * 1_000_003 + start)
    for n in range(start, start + count):
        region, district = rng.choice(DISTRICTS)
        construction = rng.random() < 0.6
        name = district + (rng.choice(WORKS) if construction else rng.choice(GOODS))
        project_code = f"E{region}{2018 + n // 150_000:04d}{n:09d}"
        if n % 400 == 0 and n < 400 * MARKER_COUNT:
            # The marked project: MARKER_COUNT notices among the first 8,000, present at every size.
            name, project_code = MARKER_NAME, MARKER_PROJECT
        owner = district + rng.choice(OWNERS)
        budget = rng.randrange(200_000, 80_000_000)
        body = "".join(
            rng.choice(SENTENCES).format(owner=owner, name=name, days=rng.randrange(60, 720), budget=budget)
            for _ in range(3)
        )
        published = START + dt.timedelta(minutes=3 * n)
        deadline = published + dt.timedelta(days=21)
        title = f"{name}{'施工招标公告' if construction else '公开招标公告'}"
        agency = rng.choice(AGENCIES)
        yield (
            str(uuid.UUID(int=n + 1)),
            "tender",
            "construction" if construction else "procurement",
            "construction.open" if construction else "procurement.open",
            project_code,
            name,
            json.dumps([project_code + "001"]),
            title,
            body,
            owner,
            agency,
            region,
            budget * 100,
            published,
            deadline,
            deadline,
            "[]",
            "[]",
            published,
            notice_search_document(
                title=title,
                project_name=name,
                project_code=project_code,
                tenderer_name=owner,
                agency_name=agency,
                body=body,
            ),
        )


def notices_copy(connection: object, *, start: int, count: int, progress: Callable[[int], None] | None = None) -> None:
    """COPY ``count`` generated notices into ``disclosure_notice`` through a psycopg connection."""
    sql = f"COPY disclosure_notice ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[attr-defined]
        for i, row in enumerate(notice_rows(start=start, count=count), 1):
            copy.write_row(row)
            if progress is not None and i % 10_000 == 0:
                progress(10_000)
