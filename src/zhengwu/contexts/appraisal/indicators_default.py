"""The default indicator system: 18 categories, 151 indicators, and the questionnaire that feeds them.

A **default for the client to review**, not an official list. The structure follows the national
好差评 content and the service-appraisal standards summarised in appraisal-methods.md (§1.2–1.5):
the online and offline 整体满意度 with their dimensions (办事效率/服务效率, 指南准确度, 便捷度,
平台操作性, 服务水平, 服务态度), the perceived-quality constructs of §2.3 (窗口服务, 流程, 公开透明,
廉洁), the objective measures of §2.2 (跑动次数, 网上可办率, 办理时限 …), the hall itself for
centres, and the 营商环境 topics (§1.5) that a city's centres and approval departments serve.

**The weights are ours.** No source gives Kunming's weights, and the reference says not to hard-code
any official ones (§1.5); the category weights below are a declared default (summing to 1) and the
indicator weights are importance points turned into shares within their category. Scoring
renormalises over what applies and was answered (§2.2), so a weight may change without breaking
anything — but once a round uses a version it is frozen (§2.4: fixed, pre-announced weights).

The questionnaire: a few screening questions first (channel, matter, size, whether the enterprise
complained), whose answers drive the skip logic — online-platform questions only for online use,
window and hall questions only for hall visits, the 营商环境 topics only for the matter handled, the
rectification questions only for those who complained — then one scored question per survey
indicator (a 5-level rating, or a yes/no phrased so that "yes" is the good answer, since a yes scores
100), and at the end a free-text problem with its topic and a suggestion. Following §1.3, the offline
dimensions (服务水平, 服务态度) are asked of hall visitors and the online ones (指南准确度, 便捷度,
平台操作性) of online users, which keeps each respondent's questionnaire to roughly 40–70 questions
though each unit kind's whole form is longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhengwu.contexts.appraisal.system import DEFAULT_SCORING

CODE = "KM-GOV-SERVICE"
TITLE = "昆明市政务服务第三方评价指标体系"

# Skip logic in XLSForm syntax; the screening answers it reads are defined below.
HALL = "${q_channel} = 'hall' or ${q_channel} = 'both'"
ONLINE = "${q_channel} = 'online' or ${q_channel} = 'both'"
BOTH = "${q_channel} = 'both'"
COMPLAINED = "${q_complained} = 'yes'"
POLICY = "${q_policy} = 'yes'"
PROBLEM_GIVEN = "${q_problem} != ''"


def matter(*values: str) -> str:
    """Shown only to respondents whose matter (``q_matter``) is one of ``values``."""
    return " or ".join(f"${{q_matter}} = '{value}'" for value in values)


CHANNELS = (("hall", "到大厅（窗口）现场办理"), ("online", "网上或掌上办理"), ("both", "线上线下结合办理"))
MATTERS = (
    ("investment", "投资项目审批（核准、备案）"),
    ("construction", "工程建设项目审批（规划、施工许可、验收）"),
    ("utility", "用水、用气、用电报装"),
    ("startup", "企业开办、变更、注销"),
    ("property", "不动产登记"),
    ("tax_social", "税费缴纳、社保医保、公积金业务"),
    ("permit", "其他行政许可"),
    ("other", "其他政务服务事项"),
)
SIZES = (
    ("large", "大型企业"),
    ("medium", "中型企业"),
    ("small", "小型企业"),
    ("micro", "微型企业"),
    ("individual", "个体工商户"),
)
YES_NO_CHOICES = (("yes", "是"), ("no", "否"))


@dataclass(frozen=True)
class _Ind:
    name: str
    points: float = 1.0
    applies_to: str = "all"
    # Survey: the question(s) — (kind, label, relevant); objective: the goalposts.
    questions: tuple[tuple[str, str, str], ...] = ()
    worst: float | None = None
    best: float | None = None


@dataclass(frozen=True)
class _Cat:
    code: str
    name: str
    weight: float
    applies_to: str
    indicators: tuple[_Ind, ...]
    relevant: str = ""  # shown to every question of the category, combined with the question's own


def _r(
    name: str, label: str, *, points: float = 1.0, applies_to: str = "all", relevant: str = "", kind: str = "rating5"
) -> _Ind:
    """A survey indicator fed by one question (a 5-level rating unless ``kind`` says yes_no)."""
    return _Ind(name, points, applies_to, ((kind, label, relevant),))


def _yn(name: str, label: str, *, points: float = 1.0, applies_to: str = "all", relevant: str = "") -> _Ind:
    return _r(name, label, points=points, applies_to=applies_to, relevant=relevant, kind="yes_no")


def _o(name: str, *, worst: float, best: float, points: float = 1.0, applies_to: str = "all") -> _Ind:
    """An objective indicator fed by the unit's data, scored 100·(worst − y)/(worst − best) (§2.2)."""
    return _Ind(name, points, applies_to, (), worst, best)


_CATEGORIES: tuple[_Cat, ...] = (
    # §1.3 线上/线下 整体满意度; §2.3 satisfaction → trust/recommendation; §0 企业获得感 (Kunming 红黑榜).
    _Cat(
        "C01",
        "整体满意度",
        0.10,
        "all",
        (
            _r("总体满意度", "总体而言，您对该单位本季度提供的政务服务是否满意？", points=3),
            _r("线下服务整体满意度", "您对该单位现场（窗口）服务的整体评价如何？", points=2, relevant=HALL),
            _r("线上服务整体满意度", "您对该单位网上（掌上）服务的整体评价如何？", points=2, relevant=ONLINE),
            _r("服务改进感受", "您对该单位近期服务改进的情况是否满意？"),
            _r("办事获得感", "您对本次办事诉求得到解决的程度是否满意？"),
            _r("信任与推荐", "您是否满意到愿意推荐其他企业来该单位办事？"),
        ),
    ),
    # §1.3 办事效率 (线上) / 服务效率 (线下).
    _Cat(
        "C02",
        "办事效率",
        0.07,
        "all",
        (
            _r("排队等候时间", "您对在大厅排队等候的时间是否满意？", applies_to="centre", relevant=HALL),
            _r("窗口受理速度", "您对窗口收件、受理的速度是否满意？", applies_to="centre", relevant=HALL),
            _r("网上预审反馈速度", "您对网上申报后预审（审核）反馈的速度是否满意？", relevant=ONLINE),
            _r("办结用时", "您对本次事项从受理到办结所用的时间是否满意？", points=2),
            _yn("按承诺时限办结", "本次事项是否在承诺时限内办结？", points=2),
            _r("审批决定及时性", "您对审批部门作出审批决定的及时性是否满意？", applies_to="department"),
            _r("办理进度查询", "您对查询办理进度的便利程度是否满意？", relevant=ONLINE),
            _r("结果送达", "您对办理结果（证照、批文）领取或邮寄送达的及时性是否满意？"),
            _r(
                "内部流转衔接", "您对审批部门内部各环节流转衔接的效率是否满意？", applies_to="department", relevant=HALL
            ),
        ),
    ),
    # §1.3 办事指南精确度 (线上); §1.5 指南准确度 (一体化政务服务能力调查评估).
    _Cat(
        "C03",
        "办事指南准确度",
        0.05,
        "all",
        (
            _r("指南内容完整", "您对网上办事指南内容的完整性是否满意？", relevant=ONLINE),
            _yn("材料清单准确", "办事指南列明的申请材料是否与实际要求一致？", points=2),
            _r("流程时限说明清楚", "您对办事指南中办理流程、时限说明的清晰程度是否满意？", relevant=ONLINE),
            _yn("线上线下要求一致", "网上公布的办事要求与窗口告知的要求是否一致？", relevant=BOTH),
            _r("收费依据明示", "您对办事指南中收费标准和依据的明确程度是否满意？", relevant=ONLINE),
            _r("示范文本与样表", "您对办事指南提供的示范文本、填写样表是否满意？", relevant=ONLINE),
            _r(
                "审查标准明确",
                "您对审批部门公布的审批条件和审查标准的明确程度是否满意？",
                applies_to="department",
            ),
        ),
    ),
    # §1.3 办事便捷度 (线上); 减证便民 and 就近办 as practised in halls.
    _Cat(
        "C04",
        "办事便捷度",
        0.06,
        "all",
        (
            _r("办事入口易找", "您对在网上找到办事入口的便利程度是否满意？", relevant=ONLINE),
            _r("申请材料精简", "您对本次需要提交材料的精简程度是否满意？", points=2),
            _yn("电子证照免提交", "本次办事是否可以用电子证照或共享数据代替纸质材料？", relevant=ONLINE),
            _r("预约与延时服务", "您对预约办理、延时错时服务的便利程度是否满意？", applies_to="centre", relevant=HALL),
            _r(
                "就近办与跨域通办",
                "您对就近办理、异地（跨域）通办的便利程度是否满意？",
                applies_to="centre",
                relevant=ONLINE,
            ),
            _r("咨询渠道畅通", "您对电话、网上咨询渠道的畅通程度是否满意？", relevant=ONLINE),
            _r(
                "审批权限下放", "您对审批权限下放、就近审批的便利程度是否满意？", applies_to="department", relevant=HALL
            ),
        ),
    ),
    # §1.3 平台操作性 (线上): the 一网通办 portal and the mobile app.
    _Cat(
        "C05",
        "网上办事平台操作性",
        0.06,
        "all",
        (
            _r("登录与实名认证", "您对网上办事平台登录和实名认证的便捷程度是否满意？"),
            _r("事项查找与导航", "您对平台事项分类、搜索和页面导航是否满意？"),
            _r("在线填报与上传", "您对在线填写表单、上传材料的便利程度是否满意？", points=2),
            _r("系统运行稳定", "您对平台运行的稳定性（不卡顿、不掉线）是否满意？"),
            _r("移动端办事", "您对手机（掌上）办事的便利程度是否满意？"),
            _r("在线咨询响应", "您对平台在线客服、留言咨询的响应是否满意？"),
            _yn("全程网办", "本次事项是否实现全程网上办理、无需到现场？", points=2),
            _r("免重复填报", "您对平台自动带出已有信息、免于重复填报的情况是否满意？"),
            _r("电子证照与电子签章", "您对平台电子证照、电子签章的使用是否满意？"),
        ),
        relevant=ONLINE,
    ),
    # §1.3 服务水平 (线下).
    _Cat(
        "C06",
        "服务水平",
        0.06,
        "all",
        (
            _r("业务熟练程度", "您对工作人员的业务熟练程度是否满意？", points=2),
            _r("政策解释准确", "您对工作人员解释政策、答复问题的准确程度是否满意？"),
            _yn("一次性告知", "工作人员是否一次性告知了全部所需材料和要求？", points=2),
            _r("帮办代办服务", "您对帮办、代办服务是否满意？", applies_to="centre"),
            _r("复杂问题协调解决", "您对复杂问题得到协调解决的情况是否满意？"),
            _r("首问负责", "您对窗口落实首问负责制的情况是否满意？", applies_to="centre"),
            _r("审查把关专业", "您对审批人员审查把关的专业水平是否满意？", applies_to="department"),
            _r("现场勘验规范", "您对现场勘验、技术审查工作的规范程度是否满意？", applies_to="department"),
        ),
        relevant=HALL,
    ),
    # §1.3 服务态度 (线下).
    _Cat(
        "C07",
        "服务态度",
        0.06,
        "all",
        (
            _r("热情礼貌", "您对工作人员热情礼貌的服务态度是否满意？"),
            _r("耐心细致", "您对工作人员耐心细致地解答问题是否满意？"),
            _r("主动服务", "您对工作人员主动服务、主动提醒的情况是否满意？"),
            _r("不推诿不扯皮", "您对工作人员不推诿、不扯皮、敢于担当的表现是否满意？", points=2),
            _r("平等对待", "您对工作人员一视同仁、平等对待不同企业的情况是否满意？"),
            _r("上门与跟踪服务", "您对审批部门主动上门服务、跟踪服务企业的情况是否满意？", applies_to="department"),
        ),
        relevant=HALL,
    ),
    # §2.3 窗口服务; §1.1 (every hall and window); GB/T 39734 现场"一次一评" and DB2203/T 8 (§1.3):
    # staff must invite a rating but not hint at it.
    _Cat(
        "C08",
        "窗口服务规范",
        0.05,
        "centre",
        (
            _r("综合窗口一窗受理", "您对综合窗口“一窗受理、集成服务”是否满意？", points=2),
            _r("窗口在岗情况", "您对窗口人员在岗情况（无空岗、脱岗）是否满意？"),
            _r("亮证上岗与着装", "您对窗口人员亮证上岗、着装规范的情况是否满意？"),
            _r("叫号排队秩序", "您对叫号排队的秩序是否满意？"),
            _r("导办引导服务", "您对大厅导办、引导服务是否满意？"),
            _r("办不成事反映窗口", "您对“办不成事”反映窗口的作用是否满意？"),
            _yn("邀请评价且不暗示", "办理结束后，工作人员是否请您评价，且没有暗示评价结果？"),
            _r("服务用语规范", "您对窗口人员服务用语的规范程度是否满意？"),
            _r("特殊群体优先服务", "您对老年人、残疾人等特殊群体优先服务的情况是否满意？"),
        ),
        relevant=HALL,
    ),
    # §2.3 流程 (perceived quality); 证明事项告知承诺制 and 容缺受理 as approval reforms.
    _Cat(
        "C09",
        "办事流程",
        0.05,
        "all",
        (
            _r("流程简洁", "您对办事流程简洁、环节精简的程度是否满意？", points=2),
            _yn("无额外证明材料", "本次办事是否只需提交规定的材料（未被要求额外证明）？"),
            _r("审批标准统一", "您对同一事项不同人员要求一致、标准统一的情况是否满意？"),
            _r("容缺受理", "您对容缺受理（次要材料后补）的落实情况是否满意？", applies_to="department"),
            _r("告知承诺制", "您对证明事项告知承诺制的落实情况是否满意？", applies_to="department"),
            _r("部门协同并联审批", "您对相关部门协同、并联审批的情况是否满意？", applies_to="department"),
            _r("中介服务规范", "您对审批所需中介服务的规范程度是否满意？", applies_to="department"),
            _r("一件事一次办", "您对“一件事一次办”集成服务是否满意？", applies_to="centre"),
        ),
    ),
    # §2.3 公开透明; §1.1 评价结果及整改情况向社会公开.
    _Cat(
        "C10",
        "公开透明",
        0.04,
        "all",
        (
            _r("事项清单公开", "您对办事事项清单公开的情况是否满意？"),
            _r("办理进度透明", "您对办理过程和进度透明的程度是否满意？"),
            _r("审批结果公开", "您对审批结果依法公开的情况是否满意？", applies_to="department"),
            _r("政策文件公开", "您对相关政策文件公开、更新的及时性是否满意？", applies_to="department"),
            _r("监督投诉渠道公开", "您对监督投诉渠道公开的情况是否满意？"),
            _r("好差评结果公开", "您对大厅公开“好差评”评价结果的情况是否满意？", applies_to="centre", relevant=HALL),
        ),
    ),
    # §2.3 廉洁. Yes/no questions are worded so that "yes" is the clean answer (a yes scores 100).
    _Cat(
        "C11",
        "廉洁自律",
        0.06,
        "all",
        (
            _yn("廉洁办事", "办事过程中，工作人员是否做到廉洁自律、没有吃拿卡要？", points=3),
            _yn("按公示标准收费", "本次办事是否只按公示标准收费，没有其他额外费用？", points=2),
            _yn("自主选择中介", "您是否可以自主选择中介服务机构（未被指定或暗示中介）？", applies_to="department"),
            _r("廉洁自律评价", "您对该单位工作人员的廉洁自律情况是否满意？"),
            _r("依法依规不设卡", "您对工作人员依法依规办事、不刁难不设卡的情况是否满意？"),
            _r("政商交往亲清", "您对审批部门在政商交往中“亲”“清”的表现是否满意？", applies_to="department"),
        ),
    ),
    # 一次办 / 跑动次数, 网上可办率, 办理时限: the objective measures of §2.2 (DTF goalposts, fixed
    # for the year) beside the enterprise's own view of them.
    _Cat(
        "C12",
        "办理时效与一次办成",
        0.08,
        "all",
        (
            _yn("一次办成", "本次事项是否一次办成（最多跑一次）？", points=2),
            _r("跑动次数感受", "您对本次办事需要跑动的次数是否满意？"),
            _r("承诺时限长短", "您对该事项承诺办理时限的长短是否满意？"),
            _o("平均跑动次数（次/件）", worst=3, best=0, points=2),
            _o("“最多跑一次”事项占比（%）", worst=80, best=100),
            _o("网上可办率（%）", worst=80, best=100, points=2),
            _o("全程网办率（%）", worst=40, best=95),
            _o("承诺时限比法定时限压缩率（%）", worst=30, best=80),
            _o("实际办理用时占法定时限比例（%）", worst=100, best=20, points=2),
            _o("即办件占比（%）", worst=10, best=60),
            _o("超时办结率（%）", worst=5, best=0, points=2),
        ),
    ),
    # §0 Kunming's 红黑榜 dimensions (改革政策落实, 政策宣贯, 企业获得感); §1.5 市场监管, 包容普惠创新.
    _Cat(
        "C13",
        "惠企政策与涉企监管",
        0.05,
        "department",
        (
            _r("政策宣传解读", "您对惠企政策宣传、解读的情况是否满意？"),
            _r("惠企政策兑现", "您对惠企政策兑现（“免申即享”、快速兑付）是否满意？", points=2, relevant=POLICY),
            _r("政策兑现时效", "您对政策资金、奖补兑现的及时性是否满意？", relevant=POLICY),
            _r("涉企检查规范", "您对涉企检查规范（“双随机、一公开”、不重复检查）是否满意？", relevant=POLICY),
            _r("包容审慎监管", "您对包容审慎监管（轻微违法首违不罚等）的落实是否满意？", relevant=POLICY),
            _r("行政执法规范", "您对行政执法的规范、公正程度是否满意？", relevant=POLICY),
            _r("政企沟通渠道", "您对政企沟通渠道（座谈、走访）的畅通程度是否满意？"),
            _r("企业诉求响应", "您对企业诉求得到回应和解决的情况是否满意？", relevant=POLICY),
            _r("信用修复服务", "您对信用修复等信用服务是否满意？", relevant=POLICY),
            _r("涉企政策征求意见", "您对制定涉企政策时征求企业意见的情况是否满意？"),
            _r("营商环境投诉处理", "您对营商环境投诉举报处理的情况是否满意？", relevant=POLICY),
        ),
    ),
    # §1.1 (halls and centres); the hall's environment as a perceived-quality construct (§2.3).
    _Cat(
        "C14",
        "大厅环境与设施",
        0.04,
        "centre",
        (
            _r("大厅整洁卫生", "您对大厅整洁卫生的情况是否满意？"),
            _r("功能分区与标识", "您对大厅功能分区和标识指引的清晰程度是否满意？"),
            _r("等候区与便民设施", "您对等候座位、饮水充电等便民设施是否满意？"),
            _r("自助服务终端", "您对自助服务终端的好用程度是否满意？"),
            _r("无障碍与适老化设施", "您对无障碍通道、适老化设施是否满意？"),
            _r("停车与交通", "您对前往大厅的交通和停车便利程度是否满意？"),
            _r("大厅秩序与安全", "您对大厅秩序和安全管理是否满意？"),
            _r("信息公示屏与公示栏", "您对大厅信息公示屏、公示栏内容的及时性是否满意？"),
            _r("24小时自助服务区", "您对24小时自助服务区的开放和使用是否满意？"),
        ),
        relevant=HALL,
    ),
    # §0 Kunming's focus on 重大项目建设; §2.5 matter type 投资项目审批; the average processing days
    # as an objective DTF indicator (§2.2).
    _Cat(
        "C15",
        "投资项目审批",
        0.05,
        "department",
        (
            _r("项目审批速度", "您对投资项目审批（核准、备案）的速度是否满意？", points=2),
            _r("在线审批监管平台", "您对投资项目在线审批监管平台的使用是否满意？"),
            _r("并联与联合审批", "您对投资项目并联审批、联合审批的情况是否满意？"),
            _r("区域评估与多评合一", "您对区域评估、“多评合一”的落实情况是否满意？"),
            _r("项目帮办代办", "您对项目前期帮办、代办服务是否满意？"),
            _r("重大项目绿色通道", "您对重大项目“绿色通道”服务是否满意？"),
            _r("用地规划环评衔接", "您对用地、规划、环评等审批环节的衔接是否满意？"),
            _r("中介服务时限与收费", "您对投资审批中介服务的时限和收费是否满意？"),
            _r("项目问题协调解决", "您对项目推进中问题的协调解决是否满意？"),
            _o("投资项目审批平均用时（工作日）", worst=60, best=20, points=2, applies_to="department"),
        ),
        relevant=matter("investment"),
    ),
    # §1.5 营商环境: 办理建筑许可, 获得用水用气 (and 获得电力).
    _Cat(
        "C16",
        "办理建筑许可与市政接入",
        0.04,
        "department",
        (
            _r("规划许可办理", "您对建设工程规划许可办理是否满意？", relevant=matter("construction")),
            _r("施工许可办理", "您对施工许可办理是否满意？", points=2, relevant=matter("construction")),
            _r("联合审图", "您对施工图联合审查（多图联审）是否满意？", relevant=matter("construction")),
            _r("多测合一", "您对“多测合一”测绘服务是否满意？", relevant=matter("construction")),
            _r("联合验收", "您对竣工联合验收是否满意？", relevant=matter("construction")),
            _r("获得用水", "您对用水报装的便利程度是否满意？", relevant=matter("construction", "utility")),
            _r("获得用气", "您对用气报装的便利程度是否满意？", relevant=matter("construction", "utility")),
            _r("获得电力", "您对用电报装的便利程度是否满意？", relevant=matter("construction", "utility")),
            _r(
                "市政接入费用透明",
                "您对水电气接入费用透明、无不合理收费是否满意？",
                relevant=matter("construction", "utility"),
            ),
            _o("工程建设项目审批全流程用时（工作日）", worst=100, best=40, points=2, applies_to="department"),
        ),
    ),
    # §1.5 营商环境: 开办企业, 登记财产 (不动产登记), 纳税; the matters centres handle most.
    _Cat(
        "C17",
        "开办企业与不动产登记",
        0.04,
        "centre",
        (
            _r("企业开办全流程", "您对企业开办全流程的便利程度是否满意？", points=2, relevant=matter("startup")),
            _r("营业执照办理", "您对营业执照办理是否满意？", relevant=matter("startup")),
            _r("印章发票社保一次领取", "您对刻章、发票、社保登记“一次领取”是否满意？", relevant=matter("startup")),
            _r("企业变更与注销", "您对企业变更、注销办理是否满意？", relevant=matter("startup")),
            _r("开办企业一网通办", "您对企业开办“一网通办”平台是否满意？", relevant=matter("startup")),
            _r("不动产登记办理", "您对不动产登记办理是否满意？", points=2, relevant=matter("property")),
            _r("登记缴税一窗办理", "您对不动产登记、交易、缴税“一窗办理”是否满意？", relevant=matter("property")),
            _r("登记结果准确", "您对不动产登记结果的准确性是否满意？", relevant=matter("property")),
            _r("税费缴纳便利", "您对税费缴纳的便利程度是否满意？", relevant=matter("tax_social", "property")),
            _r("社保医保公积金业务", "您对社保、医保、公积金业务办理是否满意？", relevant=matter("tax_social")),
            _o("企业开办平均用时（工作日）", worst=3, best=0.5, applies_to="centre"),
            _o("一般不动产登记平均用时（工作日）", worst=5, best=1, applies_to="centre"),
        ),
    ),
    # §1.4 the 好差评 closed loop: 差评 routed, rectified within a deadline, fed back and re-rated.
    _Cat(
        "C18",
        "差评处置与问题整改",
        0.04,
        "all",
        (
            _r("问题反映渠道", "您对向该单位反映问题、提出差评的渠道是否满意？"),
            _r("诉求回应及时", "您对所反映问题得到回应的及时性是否满意？", relevant=COMPLAINED),
            _r("问题整改效果", "您对所反映问题的整改效果是否满意？", points=2, relevant=COMPLAINED),
            _yn("整改结果回访", "您反映的问题是否得到了回访或结果反馈？", relevant=COMPLAINED),
            _r("投诉处理公正", "您对投诉、差评处理的公正性是否满意？", relevant=COMPLAINED),
            _r("12345热线转办", "您对经12345热线转办诉求的办理是否满意？", relevant=COMPLAINED),
            _o("差评整改按期率（%）", worst=70, best=100),
        ),
    ),
)


def _both(first: str, second: str) -> str:
    if first and second:
        return f"({first}) and ({second})"
    return first or second


def _screening() -> list[dict[str, Any]]:
    def select(name: str, label: str, choices: tuple[tuple[str, str], ...]) -> dict[str, Any]:
        return {"name": name, "kind": "select_one", "label": label, "choices": [list(c) for c in choices]}

    return [
        {
            "name": "q_intro",
            "kind": "note",
            "label": "本问卷由独立第三方评价机构开展，只用于改进政务服务；您的回答严格保密，不会提供给被评价单位。",
            "required": False,
        },
        select("q_channel", "本季度您主要通过什么渠道在该单位办理事项？", CHANNELS),
        select("q_matter", "您办理的主要是哪类事项？", MATTERS),
        select("q_size", "贵单位的规模是？", SIZES),
        select("q_complained", "本季度您是否向该单位反映过问题或作出过差评？", YES_NO_CHOICES),
        {
            **select(
                "q_policy", "本季度贵单位是否与该部门有过惠企政策申报、涉企检查或行政执法方面的接触？", YES_NO_CHOICES
            ),
            "applies_to": "department",
        },
    ]


def _closing(categories: tuple[_Cat, ...]) -> list[dict[str, Any]]:
    return [
        {
            "name": "q_problem",
            "kind": "problem",
            "label": "您在该单位办事时遇到了什么问题？请具体描述（将以不透露您身份的方式转交该单位整改）。",
            "required": False,
        },
        {
            "name": "q_problem_topic",
            "kind": "select_one",
            "label": "您反映的问题主要涉及哪一方面？",
            "relevant": PROBLEM_GIVEN,
            "required": False,
            # The category codes, so that a problem becomes a ticket about its topic.
            "choices": [[c.code, c.name] for c in categories],
        },
        {"name": "q_suggest", "kind": "text", "label": "您对该单位改进政务服务还有什么意见和建议？", "required": False},
    ]


def system_default() -> dict[str, Any]:
    """The default system in the canonical shape ``system.system_from_dict`` reads."""
    categories: list[dict[str, Any]] = []
    indicators: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = _screening()
    for category in _CATEGORIES:
        categories.append(
            {"code": category.code, "name": category.name, "weight": category.weight, "applies_to": category.applies_to}
        )
        total_points = sum(i.points for i in category.indicators)
        for number, indicator in enumerate(category.indicators, start=1):
            code = f"{category.code}.I{number:02d}"
            objective = not indicator.questions
            indicators.append(
                {
                    "code": code,
                    "name": indicator.name,
                    "category": category.code,
                    "weight": round(indicator.points / total_points, 4),
                    "source": "objective" if objective else "survey",
                    "applies_to": indicator.applies_to,
                    "worst": indicator.worst,
                    "best": indicator.best,
                }
            )
            for q, (kind, label, relevant) in enumerate(indicator.questions, start=1):
                suffix = "" if q == 1 else f"_{q}"
                items.append(
                    {
                        "name": f"q_{category.code.lower()}_i{number:02d}{suffix}",
                        "kind": kind,
                        "label": label,
                        "indicator": code,
                        "weight": 1.0,
                        "relevant": _both(category.relevant, relevant),
                        "required": True,
                        "applies_to": "all",
                    }
                )
    items += _closing(_CATEGORIES)
    return {
        "code": CODE,
        "title": TITLE,
        "categories": categories,
        "indicators": indicators,
        "items": items,
        "scoring": dict(DEFAULT_SCORING),
        "min_answers": 10,
    }
