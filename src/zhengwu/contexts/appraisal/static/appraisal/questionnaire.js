// The appraisal questionnaire in the browser (web and CATI): skip logic live, progress, and the
// per-question timings the QC's speed index reads.
//
// 1. Skip logic: the XLSForm `relevant` subset of skiplogic.py — the same grammar, the same
//    values, the same errors with the same positions; a browser test runs one table of cases
//    through both. `window.ZhengwuSkipLogic = {parse, evaluate, names}`.
// 2. The form: a hidden question is not required, its inputs are disabled (not sent) and its
//    answer is cleared, in document order, with passes repeated until nothing changes — as
//    collection.answers_relevant does on the server, which decides in the end.
// 3. Timings: the time since the previous interaction is credited to the question interacted
//    with (reading it, then answering it), each gap capped so an idle tab does not count; the
//    totals travel in the hidden `timings` field as {name: milliseconds}.
//
// Plain ES2020, no dependency. Every word it shows comes translated from the page
// (#questionnaire-text).
"use strict";

(() => {
  // --- skip logic -----------------------------------------------------------------------------

  const MAX_LENGTH = 1000;
  const NUMERIC = /^\s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$/;
  const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
  const NUMBER = /[0-9]+(\.[0-9]*)?|\.[0-9]+/y;
  const WORD = /[A-Za-z_][A-Za-z0-9_-]*/y;
  const FUNCTIONS = { not: 1, selected: 2, "count-selected": 1, "string-length": 1 };
  const COMPARISONS = ["!=", "<=", ">=", "=", "<", ">"];

  class SkipLogicError extends Error {
    constructor(expression, position, why) {
      super(`跳题条件“${expression}”第${position + 1}个字符处有误：${why}`);
      this.code = "skiplogic_syntax";
      this.expression = expression;
      this.position = position;
    }
  }

  // Object.hasOwn is too new for some phones still in use.
  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const isSpace = (ch) => /\s/.test(ch);
  const sticky = (regex, text, at) => {
    regex.lastIndex = at;
    const found = regex.exec(text);
    return found ? found[0] : null;
  };

  function tokenize(expression) {
    const out = [];
    let i = 0;
    const n = expression.length;
    while (i < n) {
      const ch = expression[i];
      if (isSpace(ch)) {
        i += 1;
        continue;
      }
      if (expression.startsWith("${", i)) {
        const end = expression.indexOf("}", i + 2);
        if (end < 0) throw new SkipLogicError(expression, i, "引用缺少右花括号");
        const name = expression.slice(i + 2, end).trim();
        if (!NAME.test(name)) throw new SkipLogicError(expression, i, `题目名称“${name}”无效`);
        out.push({ kind: "ref", text: name, pos: i });
        i = end + 1;
        continue;
      }
      if (ch === "'" || ch === '"') {
        const end = expression.indexOf(ch, i + 1);
        if (end < 0) throw new SkipLogicError(expression, i, "字符串缺少结束引号");
        out.push({ kind: "str", text: expression.slice(i + 1, end), pos: i });
        i = end + 1;
        continue;
      }
      const number = sticky(NUMBER, expression, i);
      if (number !== null) {
        out.push({ kind: "num", text: number, pos: i });
        i += number.length;
        continue;
      }
      const op = COMPARISONS.find((o) => expression.startsWith(o, i));
      if (op) {
        out.push({ kind: "op", text: op, pos: i });
        i += op.length;
        continue;
      }
      if (ch === "(" || ch === ")" || ch === ",") {
        out.push({ kind: ch, text: ch, pos: i });
        i += 1;
        continue;
      }
      if (ch === "-") {
        out.push({ kind: "minus", text: ch, pos: i });
        i += 1;
        continue;
      }
      const word = sticky(WORD, expression, i);
      if (word !== null) {
        out.push({ kind: "word", text: word, pos: i });
        i += word.length;
        continue;
      }
      throw new SkipLogicError(expression, i, `不支持的字符“${ch}”`);
    }
    out.push({ kind: "end", text: "", pos: n });
    return out;
  }

  function parseTokens(expression) {
    const tokens = tokenize(expression);
    let at = 0;
    const peek = () => tokens[at];
    const take = () => tokens[at++];
    const fail = (token, why) => new SkipLogicError(expression, token.pos, why);
    const expect = (kind, why) => {
      if (peek().kind !== kind) throw fail(peek(), why);
      return take();
    };
    const isWord = (word) => peek().kind === "word" && peek().text === word;

    function orExpr() {
      let node = andExpr();
      while (isWord("or")) {
        take();
        node = { type: "logic", op: "or", left: node, right: andExpr() };
      }
      return node;
    }
    function andExpr() {
      let node = equality();
      while (isWord("and")) {
        take();
        node = { type: "logic", op: "and", left: node, right: equality() };
      }
      return node;
    }
    function equality() {
      let node = relational();
      while (peek().kind === "op" && (peek().text === "=" || peek().text === "!=")) {
        const op = take().text;
        node = { type: "compare", op, left: node, right: relational() };
      }
      return node;
    }
    function relational() {
      let node = primary();
      while (peek().kind === "op" && ["<", "<=", ">", ">="].includes(peek().text)) {
        const op = take().text;
        node = { type: "compare", op, left: node, right: primary() };
      }
      return node;
    }
    function primary() {
      const token = take();
      switch (token.kind) {
        case "ref":
          return { type: "ref", name: token.text };
        case "str":
          return { type: "literal", value: token.text };
        case "num":
          return { type: "literal", value: parseFloat(token.text) };
        case "minus": {
          const number = expect("num", "负号后应为数字");
          return { type: "literal", value: -parseFloat(number.text) };
        }
        case "(": {
          const node = orExpr();
          expect(")", "缺少右括号");
          return node;
        }
        case "word": {
          if (!hasOwn(FUNCTIONS, token.text)) throw fail(token, `不支持“${token.text}”`);
          expect("(", `函数 ${token.text} 后应为左括号`);
          const args = [orExpr()];
          while (peek().kind === ",") {
            take();
            args.push(orExpr());
          }
          expect(")", "缺少右括号");
          if (args.length !== FUNCTIONS[token.text]) {
            throw fail(token, `函数 ${token.text} 需要${FUNCTIONS[token.text]}个参数`);
          }
          return { type: "call", name: token.text, args };
        }
        case "end":
          throw fail(token, "条件不完整");
        default:
          throw fail(token, `此处不应出现“${token.text}”`);
      }
    }

    const node = orExpr();
    if (peek().kind !== "end") throw fail(peek(), `多余的“${peek().text}”`);
    return node;
  }

  const parsed = new Map();

  function parse(expression) {
    const text = String(expression ?? "");
    if (text.length > MAX_LENGTH) {
      throw new SkipLogicError(text.slice(0, 50), MAX_LENGTH, `条件超过${MAX_LENGTH}个字符`);
    }
    if (!text.trim()) return null;
    if (!parsed.has(text)) parsed.set(text, parseTokens(text));
    return parsed.get(text);
  }

  const isNumeric = (v) => typeof v === "number" || (typeof v === "string" && NUMERIC.test(v));
  const toNumber = (v) => {
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") return v;
    return NUMERIC.test(v) ? parseFloat(v) : NaN;
  };
  const truth = (v) => {
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
    return v !== "";
  };
  const toText = (v) => {
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
    return v;
  };
  const words = (v) => toText(v).split(/\s+/).filter(Boolean);

  function compare(op, left, right) {
    if (op === "=" || op === "!=") {
      let equal;
      if (typeof left === "boolean" || typeof right === "boolean") equal = truth(left) === truth(right);
      else if (isNumeric(left) && isNumeric(right)) equal = toNumber(left) === toNumber(right);
      else equal = toText(left) === toText(right);
      return op === "=" ? equal : !equal;
    }
    if ((typeof left === "string" && !isNumeric(left)) || (typeof right === "string" && !isNumeric(right))) {
      return false;
    }
    const a = toNumber(left);
    const b = toNumber(right);
    if (op === "<") return a < b;
    if (op === "<=") return a <= b;
    if (op === ">") return a > b;
    return a >= b;
  }

  function value(node, answers) {
    switch (node.type) {
      case "ref":
        return hasOwn(answers, node.name) ? String(answers[node.name] ?? "") : "";
      case "literal":
        return node.value;
      case "logic": {
        const left = truth(value(node.left, answers));
        if (node.op === "and") return left && truth(value(node.right, answers));
        return left || truth(value(node.right, answers));
      }
      case "compare":
        return compare(node.op, value(node.left, answers), value(node.right, answers));
      default: {
        const args = node.args.map((arg) => value(arg, answers));
        if (node.name === "not") return !truth(args[0]);
        if (node.name === "selected") return words(args[0]).includes(toText(args[1]).trim());
        if (node.name === "count-selected") return words(args[0]).length;
        return Array.from(toText(args[0])).length; // string-length, in characters
      }
    }
  }

  function evaluate(expression, answers) {
    const node = parse(expression);
    return node === null ? true : truth(value(node, answers || {}));
  }

  function names(expression) {
    const out = new Set();
    const walk = (node) => {
      if (!node) return;
      if (node.type === "ref") out.add(node.name);
      else if (node.type === "compare" || node.type === "logic") {
        walk(node.left);
        walk(node.right);
      } else if (node.type === "call") node.args.forEach(walk);
    };
    walk(parse(expression));
    return out;
  }

  window.ZhengwuSkipLogic = { parse, evaluate, names, SkipLogicError };

  // --- the form -------------------------------------------------------------------------------

  const form = document.querySelector("form[data-questionnaire]");
  if (!form) return;
  const textNode = document.getElementById("questionnaire-text");
  const text = textNode ? JSON.parse(textNode.textContent) : {};
  const fmt = (template, values) =>
    String(template || "").replace(/%\((\w+)\)s/g, (_, key) => String(values?.[key] ?? ""));
  const questions = Array.from(form.querySelectorAll(".q[data-name]"));
  const ANSWERABLE = new Set(["rating5", "yes_no", "select_one", "text", "problem"]);

  const fields = (q) => Array.from(q.querySelectorAll("input, textarea, select"));

  function answerOf(q) {
    // The question's own field: radio buttons, a drop-down list or a text box (not a problem's topic).
    const own = fields(q).filter((field) => field.name === q.dataset.name);
    if (own.length && own[0].type === "radio") {
      const checked = own.find((field) => field.checked);
      return checked ? checked.value.trim() : "";
    }
    return own.length ? own[0].value.trim() : "";
  }

  function clear(q) {
    for (const field of fields(q)) {
      if (field.type === "radio" || field.type === "checkbox") field.checked = false;
      else field.value = "";
    }
  }

  function relevant(q, answers) {
    try {
      return evaluate(q.dataset.relevant || "", answers);
    } catch (error) {
      return true; // the server refused such a system on import; never hide a question by accident
    }
  }

  function apply() {
    const answers = {};
    for (const q of questions) {
      const answer = answerOf(q);
      if (answer) answers[q.dataset.name] = answer;
    }
    let shown = new Set(questions);
    for (let pass = 0; pass <= questions.length; pass += 1) {
      let changed = false;
      shown = new Set();
      for (const q of questions) {
        if (relevant(q, answers)) shown.add(q);
        else if (hasOwn(answers, q.dataset.name)) {
          delete answers[q.dataset.name];
          clear(q);
          changed = true;
        }
      }
      if (!changed) break;
    }
    for (const q of questions) {
      const visible = shown.has(q);
      q.hidden = !visible;
      for (const field of fields(q)) {
        field.disabled = !visible;
        const isAnswer = field.name === q.dataset.name;
        field.required = visible && isAnswer && q.dataset.required === "1";
      }
    }
    for (const section of form.querySelectorAll("[data-section]")) {
      section.hidden = !Array.from(section.querySelectorAll(".q[data-name]")).some((q) => !q.hidden);
    }
    progress(answers);
  }

  function progress(answers) {
    const open = questions.filter((q) => !q.hidden && !q.dataset.extra && ANSWERABLE.has(q.dataset.kind));
    const answered = open.filter((q) => hasOwn(answers, q.dataset.name)).length;
    const bar = form.querySelector("[data-progress-bar]");
    if (bar) {
      bar.max = Math.max(open.length, 1);
      bar.value = answered;
    }
    const label = form.querySelector("[data-progress]");
    if (label) label.textContent = fmt(text.progress, { answered, total: open.length });
  }

  // --- timings --------------------------------------------------------------------------------

  const GAP_CAP_MS = 5 * 60 * 1000;
  const timingsField = form.querySelector("[data-timings]");
  let timings = {};
  try {
    const restored = JSON.parse(timingsField?.value || "{}");
    if (restored && typeof restored === "object") timings = restored;
  } catch (error) {
    timings = {};
  }
  let last = performance.now();

  function credit(event) {
    const now = performance.now();
    const gap = Math.min(now - last, GAP_CAP_MS);
    last = now;
    const q = event.target.closest?.(".q[data-name]");
    if (!q) return; // the USCC, the topic of nothing: not a question's time
    const name = q.dataset.name;
    timings[name] = (Number(timings[name]) || 0) + Math.round(gap);
    if (timingsField) timingsField.value = JSON.stringify(timings);
  }

  form.addEventListener("focusin", credit);
  form.addEventListener("input", credit);
  form.addEventListener("change", (event) => {
    credit(event);
    apply();
  });
  form.addEventListener("input", apply);
  form.addEventListener("submit", () => {
    if (timingsField) timingsField.value = JSON.stringify(timings);
    const button = form.querySelector("button[type=submit]");
    // A second tap sends the same instance_id anyway; this only spares the request.
    if (button) setTimeout(() => (button.disabled = true), 0);
  });
  apply();
})();
