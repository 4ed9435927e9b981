"""The skip-logic evaluator: one table of cases (also run through questionnaire.js in Chromium)."""

from __future__ import annotations

import pytest

from zhengwu.contexts.appraisal.skiplogic import relevant_evaluate, relevant_names, relevant_parse
from zhengwu.kernel.errors import InvalidInput

ANSWERS = {
    "q1": "2",
    "q2": "5",
    "channel": "online",
    "multi": "hall  online phone",
    "text": "排队时间太长",
    "decimal": "2.50",
    "word": "abc",
    "zero": "0",
}

# (expression, expected) over ANSWERS; "q9" is never answered.
CASES: list[tuple[str, bool]] = [
    ("", True),
    ("   ", True),
    ("${q1} <= 2", True),
    ("${q1} < 2", False),
    ("${q1} >= 2 and ${q2} > 4", True),
    ("${q1} = 2", True),
    ("${q1} = '2'", True),
    ("${q1} = 2.0", True),
    ("${q1} != 2", False),
    ("${decimal} = 2.5", True),
    ("${decimal} = '2.5'", True),
    ("${decimal} > 2.49", True),
    ("${channel} = 'online'", True),
    ('${channel} = "hall"', False),
    ("${channel} != 'hall'", True),
    ("${q9} = ''", True),
    ("${q9} != ''", False),
    ("${q9} = 'x'", False),
    ("${q9} != 'x'", True),
    ("${q9} < 3", False),
    ("${q9} >= 0", False),
    ("${q9} = 0", False),
    ("${q9}", False),
    ("${channel}", True),
    ("${zero}", True),
    ("not(${q9})", True),
    ("not(${channel} = 'online')", False),
    ("${word} > 1", False),
    ("${word} = 1", False),
    ("${word} != 1", True),
    ("1 < 2", True),
    ("-1 < ${q1}", True),
    ("${q1} = -2", False),
    ("'10' > '9'", True),
    ("'a' = 'a'", True),
    ("selected(${multi}, 'online')", True),
    ("selected(${multi}, 'post')", False),
    ("selected(${multi}, 'hall ')", True),
    ("selected(${q9}, 'hall')", False),
    ("count-selected(${multi}) = 3", True),
    ("count-selected(${q9}) = 0", True),
    ("string-length(${text}) = 6", True),
    ("string-length(${q9}) = 0", True),
    ("string-length(${text}) > 0 and string-length(${q9}) = 0", True),
    ("${q1} = 1 or ${q2} = 5", True),
    ("${q1} = 1 or ${q2} = 4", False),
    ("${q1} = 2 and ${q2} = 4 or ${channel} = 'online'", True),
    ("${q1} = 2 and (${q2} = 4 or ${channel} = 'hall')", False),
    ("(${q1} = 2) = (${q2} = 5)", True),
    ("${q1} = 2 = 1", True),
    ("not(${q1} = 2) = 0", True),
    ("count-selected(${multi}) > ${q1}", True),
    ("${q1} < ${q2}", True),
    ("${q2} < ${q1}", False),
]


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_relevant_evaluates_the_xlsform_subset(expression: str, expected: bool) -> None:
    assert relevant_evaluate(expression, ANSWERS) is expected


def test_relevant_names_lists_every_reference() -> None:
    expression = "selected(${multi}, 'a') and (${q1} > 1 or not(string-length(${text}) = 0))"
    assert relevant_names(expression) == {"multi", "q1", "text"}
    assert relevant_names("") == set()


# (expression, position of the fault, 0-based)
SYNTAX_ERRORS: list[tuple[str, int]] = [
    ("${q1} <=", 8),
    ("(${q1} = 1", 10),
    ("foo(${q1})", 0),
    ("${q 1} = 1", 0),
    ("${q1", 0),
    ("'open", 0),
    ("${q1} # 1", 6),
    ("not(1, 2)", 0),
    ("selected(${q1})", 0),
    ("${q1} = 1 ${q2}", 10),
    ("and ${q1}", 0),
    ("${q1} = 1)", 9),
    ("- ${q1}", 2),
    ("eval(1)", 0),
    ("${q1} == 1", 7),
]


@pytest.mark.parametrize(("expression", "position"), SYNTAX_ERRORS)
def test_syntax_errors_name_their_position(expression: str, position: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        relevant_parse(expression)
    assert caught.value.code == "skiplogic_syntax"
    assert caught.value.detail == {"expression": expression, "position": position}
    assert f"第{position + 1}个字符" in caught.value.message


def test_python_is_never_evaluated() -> None:
    with pytest.raises(InvalidInput):
        relevant_evaluate("__import__('os').system('true')", {})
