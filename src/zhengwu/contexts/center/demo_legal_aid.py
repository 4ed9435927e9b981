"""Demo data of the legal-aid desk: consultations over the past months and fourteen cases in every status.

Every name, phone and identity number here is invented (the identity numbers are well-formed,
with a valid check character, so that the forms accept them, but belong to nobody).
"""

from __future__ import annotations

import datetime as dt

from zhengwu.contexts.center import legal_aid
from zhengwu.contexts.center.models import Consultation
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now, clock_today
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.idcard import idcard_check_char
from zhengwu.platform.workdays.selectors import calendar_get

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("建华", "秀英", "志强", "丽娟", "国平", "海燕", "文彬", "春梅", "永福", "晓红", "德明", "玉兰")

CONSULTATIONS: tuple[tuple[str, str, str], ...] = (
    (
        "wages",
        "在工地干了三个月活，包工头一直拖着不给工钱，怎么办？",
        "保留考勤、工友证言等证据，可向劳动保障监察投诉，也可申请法律援助追索劳动报酬。",
    ),
    (
        "labour",
        "公司没签劳动合同就让我走人，能要求赔偿吗？",
        "未签书面劳动合同超过一个月可主张二倍工资，违法解除可主张赔偿金，建议先申请劳动仲裁。",
    ),
    (
        "marriage_family",
        "想离婚，对方不同意，孩子抚养权怎么判？",
        "可向法院起诉离婚；抚养权以最有利于未成年子女为原则，八周岁以上尊重子女意愿。",
    ),
    (
        "traffic",
        "被电动车撞伤，对方没有保险，医药费找谁要？",
        "由侵权人承担赔偿责任；保留病历、票据和交警认定书，协商不成可起诉。",
    ),
    ("support", "父亲年老多病，兄弟不肯出赡养费。", "成年子女均有赡养义务，可协商或向法院起诉要求给付赡养费。"),
    (
        "work_injury",
        "在厂里受伤，单位不给报工伤。",
        "受伤一年内可自行向人社部门申请工伤认定，需准备劳动关系证明和医疗材料。",
    ),
    ("contract", "租房押金房东不退。", "按租赁合同约定处理，保留交接照片和聊天记录，可向法院提起小额诉讼。"),
    ("personal_injury", "邻居家的狗咬伤了孩子。", "饲养人应承担侵权责任，及时就医并保留票据，可协商或起诉。"),
    ("medical", "手术后出现并发症，怀疑医院有过错。", "可申请封存病历，申请医疗损害鉴定，通过调解或诉讼解决。"),
    (
        "criminal",
        "家人被刑事拘留，能申请法律援助律师吗？",
        "符合条件的犯罪嫌疑人可申请，部分情形由办案机关通知法律援助机构指派律师。",
    ),
    ("other", "被网购商家骗了钱。", "保存交易记录，向平台投诉、向市场监管部门举报，涉嫌诈骗的可报警。"),
)

# (case type, status, household size, monthly income in yuan, exempt category, summary)
CASES: tuple[tuple[str, str, int, int, str, str], ...] = (
    ("wages", "closed", 4, 3200, "migrant_worker_wages_injury", "进城务工人员追索拖欠工资两万余元。"),
    ("work_injury", "closed", 3, 2400, "", "工伤认定后单位拒不支付一次性伤残补助金。"),
    ("marriage_family", "closed", 2, 1800, "", "离婚纠纷，涉及子女抚养。"),
    ("support", "in_progress", 1, 0, "vulnerable_no_income", "无固定收入的老人追索赡养费。"),
    ("traffic", "in_progress", 5, 6000, "", "交通事故人身损害赔偿。"),
    ("labour", "assigned", 3, 4500, "", "违法解除劳动合同赔偿金。"),
    ("wages", "assigned", 2, 2600, "migrant_worker_wages_injury", "建筑工地农民工集体讨薪。"),
    ("personal_injury", "accepted", 4, 5200, "assistance_recipient", "低保对象被打伤要求赔偿。"),
    ("contract", "refused", 2, 12000, "", "买卖合同纠纷，家庭收入高于经济困难标准。"),
    ("labour", "terminated", 2, 2800, "", "经济补偿金纠纷，受援人后自行委托律师。"),
    ("contract", "withdrawn", 3, 3000, "", "民间借贷纠纷，逾期未补充收入证明，视为撤回。"),
    ("marriage_family", "reviewing", 3, 3900, "abuse_victim", "家庭暴力受害人请求离婚。"),
    ("medical", "materials", 4, 5000, "", "医疗损害责任纠纷，待补充病历和收入证明。"),
    ("labour", "applied", 1, 1500, "", "确认劳动关系并补缴社会保险。"),
)

LAWYERS = (("杨晓东", "云南某某律师事务所"), ("李静", "昆明某某律师事务所"), ("段海涛", "云南某法律援助律师事务所"))


def _id_number(serial: int, birth: dt.date) -> str:
    first17 = f"530102{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + idcard_check_char(first17)


def _person(serial: int) -> str:
    return SURNAMES[serial % len(SURNAMES)] + GIVEN[(serial * 5) % len(GIVEN)]


def legal_aid_demo_load(*, by: Actor | None = None) -> None:
    """About two dozen consultations over the past months and fourteen cases, once (by the system)."""
    if Consultation.objects.exists():
        return
    by = by or Actor.system("demo")
    now = clock_now()
    for index in range(25):
        topic, question, advice = CONSULTATIONS[index % len(CONSULTATIONS)]
        legal_aid.consultation_record(
            person_name=_person(index),
            phone=f"1398800{index:04d}",
            topic=topic,
            question=question,
            advice=advice,
            consulted_at=now - dt.timedelta(days=index * 7 + 1, hours=index % 5),
            by=by,
        )
    today = clock_today()
    calendar = calendar_get()
    for index, (case_type, status, size, income, exempt, summary) in enumerate(CASES):
        received = today - dt.timedelta(days=(len(CASES) - 1 - index) * 15)
        if not calendar.year_loaded(received.year):
            continue  # no official arrangement for that year: no review deadline can be fixed
        serial = 100 + index
        try:
            case = legal_aid.case_apply(
                applicant_name=_person(serial),
                id_number=_id_number(serial, dt.date(1960 + index * 3, 1 + index % 12, 1 + index * 2)),
                phone=f"1398801{index:04d}",
                household_size=size,
                monthly_income_fen=income * 100,
                exempt_category=exempt or None,
                case_type=case_type,
                summary=summary,
                received_on=received,
                by=by,
            )
        except InvalidInput as exc:
            if exc.code != "calendar_year_missing":
                raise
            continue  # the review period runs into a year the calendar does not hold yet
        if status == "applied":
            continue
        case = legal_aid.case_review_begin(case=case, by=by)
        if status == "reviewing":
            continue
        if status in ("materials", "withdrawn"):
            case = legal_aid.case_materials_request(case=case, missing="病历复印件、家庭收入证明", by=by)
            if status == "withdrawn":
                legal_aid.case_withdraw(case=case, reason="逾期未补充材料，视为撤回申请。", by=by)
            continue
        if status == "refused":
            legal_aid.case_review(case=case, accept=False, reason="不符合经济困难条件。", by=by)
            continue
        case = legal_aid.case_review(case=case, accept=True, reason="符合法律援助条件，决定给予法律援助。", by=by)
        if status == "accepted":
            continue
        lawyer, firm = LAWYERS[index % len(LAWYERS)]
        case = legal_aid.case_assign(case=case, lawyer_name=lawyer, lawyer_firm=firm, by=by)
        if status == "assigned":
            continue
        if status == "terminated":
            legal_aid.case_terminate(case=case, reason="受援人自行委托律师（第四十八条）。", by=by)
            continue
        case = legal_aid.case_start(case=case, by=by)
        if status == "in_progress":
            continue
        legal_aid.case_close(case=case, outcome="经调解达成协议，受援人权益得到维护。", by=by)
