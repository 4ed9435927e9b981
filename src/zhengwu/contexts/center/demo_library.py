"""Demo data of the library window: some forty titles on politics, law, economics, party history and
management, three periodicals with their recent issues, ten cadres of the stationed departments
holding cards, loans open (two of them overdue) and returned, and three new-book recommendations.

ISBNs are made with the rules' check digit under real Chinese publishers' prefixes (978-7-01 人民
出版社, 978-7-5035 中共中央党校出版社 …); they look right and validate, but are the demo's own.
Everything goes through the services, so each title's public record is queued as in real use.
"""

from __future__ import annotations

import datetime as dt

from zhengwu.contexts.center import library
from zhengwu.contexts.center.demo_roster import DEPARTMENTS
from zhengwu.contexts.center.library_rules import isbn13_check_char
from zhengwu.contexts.center.models import Book, Copy
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today

# (publisher prefix after 978-7-, publisher) — the item number is filled to 12 digits.
PUBLISHERS = {
    "rm": ("01", "人民出版社"),
    "dx": ("5035", "中共中央党校出版社"),
    "dj": ("5099", "党建读物出版社"),
    "fl": ("5197", "法律出版社"),
    "zf": ("5620", "中国政法大学出版社"),
    "jj": ("5218", "经济科学出版社"),
    "zx": ("5086", "中信出版社"),
    "sw": ("100", "商务印书馆"),
    "zy": ("5073", "中央文献出版社"),
    "rd": ("300", "中国人民大学出版社"),
}

# (title, author, publisher key, year, 中图法 class, copies, summary)
# fmt: off
TITLES: tuple[tuple[str, str, str, int, str, int, str], ...] = (
    (
        "习近平新时代中国特色社会主义思想学习纲要（2023年版）",
        "中共中央宣传部",
        "rm",
        2023,
        "D610",
        4,
        "系统阐述新时代党的创新理论的基本精神和实践要求。",
    ),
    ("中国共产党简史", "本书编写组", "rm", 2021, "D229", 4, "全面反映中国共产党百年奋斗的光辉历程。"),
    ("中国共产党的一百年", "中共中央党史和文献研究院", "zy", 2022, "D229", 3, ""),
    ("论党的自我革命", "习近平", "dx", 2023, "D26", 3, ""),
    ("中国共产党章程", "", "rm", 2022, "D262.1", 5, ""),
    ("中国共产党纪律处分条例", "", "fl", 2024, "D262.6", 3, ""),
    ("党支部工作实务", "本书编写组", "dj", 2022, "D267", 2, "基层党支部组织生活、发展党员和党费管理实务。"),
    ("新时代党的组织路线", "中共中央组织部组织局", "dj", 2021, "D26", 2, ""),
    ("干部教育培训工作条例解读", "本书编写组", "dj", 2023, "D262.3", 2, ""),
    ("中华人民共和国民法典", "", "fl", 2020, "D923", 4, ""),
    ("民法典合同编理解与适用", "最高人民法院民法典贯彻实施工作领导小组", "fl", 2021, "D923.6", 2, ""),
    ("中华人民共和国行政许可法释义", "全国人大常委会法制工作委员会", "fl", 2019, "D922.11", 2, ""),
    ("行政法与行政诉讼法", "姜明安", "rd", 2019, "D922.1", 2, "行政法学经典教材。"),
    ("法治中国建设规划读本", "本书编写组", "fl", 2021, "D920.0", 2, ""),
    ("宪法学导论", "林来梵", "zf", 2018, "D921.01", 2, ""),
    ("优化营商环境条例释义", "司法部", "fl", 2020, "D922.29", 3, "条例逐条释义与典型案例。"),
    ("政府采购法律实务", "本书编写组", "zf", 2022, "D922.2", 2, ""),
    ("招标投标法实施条例释义", "国家发展和改革委员会法规司", "fl", 2018, "D922.297", 2, ""),
    ("中国经济发展新阶段", "刘伟", "rd", 2021, "F12", 2, ""),
    ("构建新发展格局", "本书编写组", "dx", 2021, "F120.3", 3, ""),
    ("数字经济概论", "戚聿东", "rd", 2022, "F49", 2, ""),
    ("财政学", "陈共", "rd", 2020, "F810", 2, ""),
    ("县域经济高质量发展研究", "本书编写组", "jj", 2022, "F127", 1, ""),
    ("乡村振兴战略规划实务", "本书编写组", "jj", 2021, "F320.3", 2, ""),
    ("置身事内：中国政府与经济发展", "兰小欢", "zx", 2021, "F123.16", 3, "从地方政府投融资看中国经济。"),
    ("国家治理现代化研究", "俞可平", "dx", 2019, "D630", 2, ""),
    ("数字政府建设", "本书编写组", "dx", 2022, "D630.1", 3, "一网通办、一网统管的实践与路径。"),
    ("政务服务标准化实务", "本书编写组", "dx", 2021, "D630.1", 2, ""),
    ("基层治理创新案例选", "本书编写组", "dx", 2022, "D638", 2, ""),
    ("公共管理学", "陈振明", "rd", 2017, "D035", 2, ""),
    ("领导科学与艺术", "本书编写组", "dx", 2020, "C933", 2, ""),
    ("高效能人士的七个习惯", "史蒂芬·柯维", "zx", 2018, "C912.1", 1, ""),
    ("管理的实践", "彼得·德鲁克", "zx", 2019, "C93", 1, ""),
    ("调查研究方法与实务", "本书编写组", "dx", 2023, "C3", 3, ""),
    ("公文写作规范与技巧", "本书编写组", "dj", 2022, "H152.3", 4, "党政机关公文格式与常用文种写作。"),
    ("乡土中国", "费孝通", "sw", 2019, "C912.82", 2, ""),
    ("万历十五年", "黄仁宇", "sw", 2018, "K248.3", 1, ""),
    ("中国近代史", "蒋廷黻", "sw", 2017, "K25", 1, ""),
    ("毛泽东选集（第一卷）", "毛泽东", "rm", 1991, "A41", 2, ""),
    ("邓小平文选（第三卷）", "邓小平", "rm", 1993, "A49", 2, ""),
)
# fmt: on

PERIODICALS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("求是", "求是杂志社", "D2", ("2026年第7期", "2026年第8期", "2026年第9期", "2026年第10期")),
    ("中国行政管理", "中国行政管理学会", "D63", ("2026年第3期", "2026年第4期", "2026年第5期")),
    ("党建研究", "党建研究杂志社", "D26", ("2026年第4期", "2026年第5期")),
)

READERS: tuple[tuple[str, int, str], ...] = (
    ("王建华", 0, "13908710101"),
    ("李晓梅", 1, "13908710102"),
    ("张志刚", 3, "13908710103"),
    ("刘丽娟", 7, "13908710104"),
    ("陈国强", 8, "13908710105"),
    ("杨海燕", 9, "13908710106"),
    ("赵卫东", 11, "13908710107"),
    ("黄文静", 16, "13908710108"),
    ("周明亮", 19, "13908710109"),
    ("吴红梅", 29, "13908710110"),
)


def demo_isbn(index: int, publisher_key: str) -> str:
    """A valid ISBN-13 under the publisher's prefix, the item number made from ``index``."""
    prefix = "9787" + PUBLISHERS[publisher_key][0]
    first12 = prefix + str(20_000 + index * 37).zfill(12 - len(prefix))[-(12 - len(prefix)) :]
    return first12 + isbn13_check_char(first12)


def library_demo_load(*, by: Actor | None = None) -> None:
    """The library's demo, once: nothing happens when the catalogue already holds a title."""
    if Book.objects.exists():
        return
    by = by or Actor.system("demo")
    today = clock_today()
    books: list[Book] = []
    for index, (title, author, key, year, category, copies, summary) in enumerate(TITLES, start=1):
        fields = library.title_fields_clean(
            kind=Book.Kind.BOOK,
            isbn=demo_isbn(index, key),
            title=title,
            author=author,
            publisher=PUBLISHERS[key][1],
            year=year,
            category=category,
            call_number=f"{category}/{index:03d}",
            summary=summary,
        )
        book = library.title_create(fields=fields, by=by)
        library.copies_add(book=book, count=copies, shelf=f"{category[0]}区{1 + index % 6}架", by=by)
        books.append(book)
    for index, (title, publisher, category, issues) in enumerate(PERIODICALS, start=1):
        fields = library.title_fields_clean(
            kind=Book.Kind.PERIODICAL,
            isbn="",
            title=title,
            publisher=publisher,
            category=category,
            call_number=f"期刊/{category}/{index:02d}",
        )
        periodical = library.title_create(fields=fields, by=by)
        for issue in issues:
            library.issue_add(book=periodical, issue=issue, count=2, shelf="期刊阅览区", by=by)
    readers = [
        library.reader_register(
            card_no=f"DX{2026_000 + number}",
            name=name,
            organisation=DEPARTMENTS[department],
            phone=phone,
            by=by,
        )
        for number, (name, department, phone) in enumerate(READERS, start=1)
    ]

    def first_copy(book: Book) -> str:
        copy = Copy.objects.filter(book=book, status=Copy.Status.AVAILABLE).order_by("barcode").first()
        assert copy is not None
        return copy.barcode

    # Returned loans: borrowed two months ago, brought back in time.
    for reader_index, book_index in ((0, 1), (1, 9), (2, 24), (3, 34)):
        loan = library.loan_lend(
            barcode=first_copy(books[book_index]),
            card_no=readers[reader_index].card_no,
            by=by,
            today=today - dt.timedelta(days=60),
        )
        library.loan_return(loan=loan, by=by, today=today - dt.timedelta(days=35))
    # Overdue: borrowed 40–45 days ago and not back.
    for reader_index, book_index, days in ((4, 25, 45), (5, 15, 40), (6, 30, 41)):
        library.loan_lend(
            barcode=first_copy(books[book_index]),
            card_no=readers[reader_index].card_no,
            by=by,
            today=today - dt.timedelta(days=days),
        )
    # Open and in time, one of them due within the reminder window.
    for reader_index, book_index, days in ((0, 0, 5), (1, 26, 12), (7, 34, 28), (8, 19, 2), (9, 10, 20)):
        library.loan_lend(
            barcode=first_copy(books[book_index]),
            card_no=readers[reader_index].card_no,
            by=by,
            today=today - dt.timedelta(days=days),
        )
    periodical = Book.objects.get(title="求是", kind=Book.Kind.PERIODICAL)
    library.loan_lend(barcode=first_copy(periodical), card_no=readers[2].card_no, by=by, today=today)
    for index in (24, 26, 34):
        library.title_recommend(book=books[index], by=by)
