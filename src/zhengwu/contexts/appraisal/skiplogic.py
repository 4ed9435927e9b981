"""Skip logic: a small, safe evaluator of the XLSForm ``relevant`` subset (appraisal-methods.md §3.6).

The grammar, and nothing more (no ``eval``; an expression is parsed into a tree and walked)::

    or_expr    := and_expr ("or" and_expr)*
    and_expr   := equality ("and" equality)*
    equality   := relational (("=" | "!=") relational)*
    relational := primary (("<" | "<=" | ">" | ">=") primary)*
    primary    := "${" name "}" | 'text' | "text" | number | "(" or_expr ")"
                | not(or_expr) | selected(or_expr, or_expr)
                | count-selected(or_expr) | string-length(or_expr)

Values follow XPath 1.0 as ODK uses it, with one documented simplification:

- ``${name}`` is the answer as a string; an unanswered question is ``''``.
- ``=``/``!=``: with a boolean on either side both are compared as booleans; when both sides
  are numeric (numbers, or strings that read as numbers) they are compared as numbers;
  otherwise as strings (a number written as XPath writes it: ``3``, ``2.5``). So ``${x} = 'a'``
  compares ``''`` when ``x`` is unanswered, and ``'1.0' = 1`` is true.
- ``<``, ``<=``, ``>``, ``>=`` compare numbers; a side that is not numeric (an unanswered
  question included) makes the comparison false, as XPath's NaN does.
- ``and``/``or``/``not()`` and the expression's result use XPath's truth: a non-empty string,
  a number other than 0, ``true``.
- ``selected(${x}, 'v')``: ``v`` is one of the space-separated values of ``x``;
  ``count-selected(${x})`` counts them; ``string-length(${x})`` counts characters (code points).

``static/appraisal/questionnaire.js`` implements the same subset for the browser; a test runs one
table of cases through both and requires them to agree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from zhengwu.kernel.errors import InvalidInput

MAX_LENGTH = 1000
# XPath's number(): optional minus, digits with an optional fraction; no exponent, no plus.
_NUMERIC = re.compile(r"\s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_FUNCTIONS = {"not": 1, "selected": 2, "count-selected": 1, "string-length": 1}
_COMPARISONS = ("!=", "<=", ">=", "=", "<", ">")


# --- the tree ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Literal:
    value: str | float


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Logic:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Ref | Literal | Compare | Logic | Call
Value = str | float | bool


# --- parsing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # ref | str | num | op | word | ( | ) | , | end
    text: str
    pos: int


def _syntax(expression: str, pos: int, why: str) -> InvalidInput:
    return InvalidInput(
        f"跳题条件“{expression}”第{pos + 1}个字符处有误：{why}",
        code="skiplogic_syntax",
        detail={"expression": expression, "position": pos},
    )


def _tokens(expression: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(expression)
    while i < n:
        ch = expression[i]
        if ch.isspace():
            i += 1
            continue
        if expression.startswith("${", i):
            end = expression.find("}", i + 2)
            if end < 0:
                raise _syntax(expression, i, "引用缺少右花括号")
            name = expression[i + 2 : end].strip()
            if not _NAME.fullmatch(name):
                raise _syntax(expression, i, f"题目名称“{name}”无效")
            out.append(_Token("ref", name, i))
            i = end + 1
            continue
        if ch in "'\"":
            end = expression.find(ch, i + 1)
            if end < 0:
                raise _syntax(expression, i, "字符串缺少结束引号")
            out.append(_Token("str", expression[i + 1 : end], i))
            i = end + 1
            continue
        number = _NUMBER.match(expression, i)
        if number:
            out.append(_Token("num", number.group(), i))
            i = number.end()
            continue
        op = next((o for o in _COMPARISONS if expression.startswith(o, i)), None)
        if op:
            out.append(_Token("op", op, i))
            i += len(op)
            continue
        if ch in "(),":
            out.append(_Token(ch, ch, i))
            i += 1
            continue
        if ch == "-":
            out.append(_Token("minus", ch, i))
            i += 1
            continue
        word = _WORD.match(expression, i)
        if word:
            out.append(_Token("word", word.group(), i))
            i = word.end()
            continue
        raise _syntax(expression, i, f"不支持的字符“{ch}”")
    out.append(_Token("end", "", n))
    return out


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.at = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, kind: str, why: str) -> _Token:
        token = self.peek()
        if token.kind != kind:
            raise _syntax(self.expression, token.pos, why)
        return self.take()

    def parse(self) -> Node:
        node = self.or_expr()
        token = self.peek()
        if token.kind != "end":
            raise _syntax(self.expression, token.pos, f"多余的“{token.text}”")
        return node

    def _is_word(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.text == word

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self._is_word("or"):
            self.take()
            node = Logic("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.equality()
        while self._is_word("and"):
            self.take()
            node = Logic("and", node, self.equality())
        return node

    def equality(self) -> Node:
        node = self.relational()
        while self.peek().kind == "op" and self.peek().text in ("=", "!="):
            op = self.take().text
            node = Compare(op, node, self.relational())
        return node

    def relational(self) -> Node:
        node = self.primary()
        while self.peek().kind == "op" and self.peek().text in ("<", "<=", ">", ">="):
            op = self.take().text
            node = Compare(op, node, self.primary())
        return node

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "ref":
            return Ref(token.text)
        if token.kind == "str":
            return Literal(token.text)
        if token.kind == "num":
            return Literal(float(token.text))
        if token.kind == "minus":
            number = self.expect("num", "负号后应为数字")
            return Literal(-float(number.text))
        if token.kind == "(":
            node = self.or_expr()
            self.expect(")", "缺少右括号")
            return node
        if token.kind == "word":
            if token.text not in _FUNCTIONS:
                raise _syntax(self.expression, token.pos, f"不支持“{token.text}”")
            self.expect("(", f"函数 {token.text} 后应为左括号")
            args = [self.or_expr()]
            while self.peek().kind == ",":
                self.take()
                args.append(self.or_expr())
            self.expect(")", "缺少右括号")
            if len(args) != _FUNCTIONS[token.text]:
                raise _syntax(self.expression, token.pos, f"函数 {token.text} 需要{_FUNCTIONS[token.text]}个参数")
            return Call(token.text, tuple(args))
        if token.kind == "end":
            raise _syntax(self.expression, token.pos, "条件不完整")
        raise _syntax(self.expression, token.pos, f"此处不应出现“{token.text}”")


@lru_cache(maxsize=1024)
def relevant_parse(expression: str) -> Node | None:
    """The tree of ``expression`` (None for an empty one); ``InvalidInput`` ``skiplogic_syntax`` with
    the position of the first fault."""
    if len(expression) > MAX_LENGTH:
        raise _syntax(expression[:50], MAX_LENGTH, f"条件超过{MAX_LENGTH}个字符")
    if not expression.strip():
        return None
    return _Parser(expression).parse()


def _names(node: Node | None, out: set[str]) -> set[str]:
    if isinstance(node, Ref):
        out.add(node.name)
    elif isinstance(node, Compare | Logic):
        _names(node.left, out)
        _names(node.right, out)
    elif isinstance(node, Call):
        for arg in node.args:
            _names(arg, out)
    return out


def relevant_names(expression: str) -> set[str]:
    """The question names ``expression`` refers to."""
    return _names(relevant_parse(expression), set())


# --- evaluation ----------------------------------------------------------------------------------


def _number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    return float(value) if _NUMERIC.fullmatch(value) else math.nan


def _numeric(value: Value) -> bool:
    return isinstance(value, float) or (isinstance(value, str) and _NUMERIC.fullmatch(value) is not None)


def _truth(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return value != ""


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def _compare(op: str, left: Value, right: Value) -> bool:
    if op in ("=", "!="):
        if isinstance(left, bool) or isinstance(right, bool):
            equal = _truth(left) == _truth(right)
        elif _numeric(left) and _numeric(right):
            equal = _number(left) == _number(right)
        else:
            equal = _text(left) == _text(right)
        return equal if op == "=" else not equal
    if (isinstance(left, str) and not _numeric(left)) or (isinstance(right, str) and not _numeric(right)):
        return False
    a, b = _number(left), _number(right)
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _value(node: Node, answers: Mapping[str, str]) -> Value:
    if isinstance(node, Ref):
        return str(answers.get(node.name) or "")
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Logic):
        left = _truth(_value(node.left, answers))
        if node.op == "and":
            return left and _truth(_value(node.right, answers))
        return left or _truth(_value(node.right, answers))
    if isinstance(node, Compare):
        return _compare(node.op, _value(node.left, answers), _value(node.right, answers))
    args = [_value(arg, answers) for arg in node.args]
    if node.name == "not":
        return not _truth(args[0])
    if node.name == "selected":
        return _text(args[1]).strip() in _text(args[0]).split()
    if node.name == "count-selected":
        return float(len(_text(args[0]).split()))
    return float(len(_text(args[0])))  # string-length


def relevant_evaluate(expression: str, answers: Mapping[str, str]) -> bool:
    """Whether a question with this ``relevant`` is shown, given the answers so far (empty → shown)."""
    node = relevant_parse(expression)
    if node is None:
        return True
    return _truth(_value(node, answers))
