"""Check messages in the user's language: the compiler writes English, authors read Chinese.

The compiler's messages stay English (they are the `handbook check` contract and the test
oracle); `describe` renders one error for people: "文件 第N行: 键: 说明 — 提示: …". Known
message shapes are translated by pattern; an unknown one is shown as written, never dropped.
"""

from __future__ import annotations

import re

from runtime.errors import RuleError

# (English message pattern, Chinese template with the pattern's groups)
_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), zh) for p, zh in (
    (r"^YAML syntax error: could not find expected ':'$", "YAML 语法错误: 找不到应有的 ':'"),
    (r"^YAML syntax error: did not find expected ',' or '}'$",
     "YAML 语法错误: {{ }} 里找不到应有的 ',' 或 '}}'"),
    (r"^YAML syntax error: did not find expected ',' or ']'$",
     "YAML 语法错误: [ ] 里找不到应有的 ',' 或 ']'"),
    (r"^YAML syntax error: mapping values are not allowed (here|in this context)$",
     "YAML 语法错误: 此处不能出现 '键: 值'"),
    (r"^YAML syntax error: found (a tab character|character that cannot start any token).*$",
     "YAML 语法错误: 出现了不能出现的字符"),
    (r"^YAML syntax error: one rule per file",
     "YAML 语法错误: 一个文件只能写一条规则 (出现了第二个 ---)"),
    (r"^YAML syntax error: (.*)$", "YAML 语法错误: {0}"),
    (r"^duplicate key '(.+)' \(first defined at line (\d+)\)$", "重复的键 '{0}' (第 {1} 行已有)"),
    (r"^unknown key '(.+)'$", "未知的键 '{0}' (拼写错误或放错了位置?)"),
    (r"^'(.+)' is not one of: (.+)$", "'{0}' 不是允许的值之一: {1}"),
    (r"^unknown (role|form|step|procedure|department|property|calendar|schedule) '(.+)'$",
     "未知的{0} '{1}'"),
    (r"^step '(.+)' is unreachable$", "步骤 '{0}' 无法到达"),
    (r"^step '(.+)' has no way out$", "步骤 '{0}' 没有出口 (没有下一步也不是结束步骤)"),
    (r"^bad duration '(.+)'(.*)$", "时长写法不对: '{0}'{1}"),
    (r"^bad recurrence '(.+)'(.*)$", "周期写法不对: '{0}'{1}"),
    (r"^file changed since the live version but its version (\S+) is not higher than (\S+): "
     r"bump it$",
     "此文件相对当前生效版本已修改, 但版本号 {0} 没有高于 {1}: 请把 version 提高到 {1} 以上"),
    (r"^not checked: file (\S+) has a syntax error \(references to '(.+)' are checked once it "
     r"loads\)$", "未检查: 文件 {0} 有语法错误 (对 '{1}' 的引用待它能读取后再检查)"),
    (r"^unquoted time (\S+)$", "时间 {0} 没有加引号"),
    (r"^'(.+)' is one item, not (\d+)$", "'{0}' 被当成一项, 而不是 {1} 项"),
    (r"^text '(.+)' was cut off by a half-width comma inside \{ \}$",
     "文字 '{0}' 被 {{ }} 里的半角逗号截断了"),
    (r"^title says (.+) but the limit is (.+)$", "标题写的是 {0}, 但时限是 {1}"),
    (r"^calendar '(.+)' has no official holiday schedule for (\d+) \(the holidays package "
     r"covers (.+)\)$", "日历 '{0}' 还没有 {1} 年的国务院放假安排 (节假日数据覆盖 {2} 年)"),
    (r"^'(.+)' is not a date \(YYYY-MM-DD\)$", "'{0}' 不是日期 (应写成 YYYY-MM-DD)"),
    (r"^(\S+) is not in (\d+)$", "{0} 不在 {1} 年内"),
    (r"^(\S+) is both a holiday and a make-up working day$", "{0} 既是放假日又是调休上班日"),
))
_KIND_ZH = {"role": "岗位", "form": "表单", "step": "步骤", "procedure": "规程",
            "department": "部门", "property": "管理处", "calendar": "日历", "schedule": "计划"}

_HINT_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), zh) for p, zh in (
    (r"^full-width colon '：' after the key '([^']+)'",
     "键 '{0}' 后面用了全角冒号 '：': YAML 要求半角 ':' 再加一个空格 ({0}: …)"),
    (r"^missing space after ':' in '([^']+)': write '([^']+)'$",
     "'{0}' 的冒号后缺少空格: 应写成 '{1}'"),
    (r"^a tab character", "出现了 Tab 制表符: YAML 只能用空格缩进 (建议 2 个空格)"),
    (r"^full-width quotes", "全角引号 “ ” 在 YAML 里只是普通文字: 值里含 ':' 或以引号开头时, "
     "请用半角引号 \" \" 括起来"),
    (r"^full-width comma '，' where YAML",
     "在 YAML 需要分隔符的位置用了全角逗号 '，': [ ] 或 {{ }} 里的各项之间请用半角 ','"),
    (r"^half-width ': ' inside a \{ \} mapping",
     "{{ }} 里的半角 ': ' 会开始一个新的键: 请给文字加引号 (text: \"…: …\") 或改用全角冒号 '：'"),
    (r"^half-width ',' inside a \{ \} mapping split the text: '([^']+)' became",
     "{{ }} 里的半角逗号把文字截断了, '{0}' 成了一个单独的键。"
     "请给文字加引号 (text: \"…,{0}\") 或改用全角逗号 '，'"),
    (r"^unquoted time '([^']+)': write .* the number (\d+)\)$", "时间 {0} 请加引号写成 \"{0}\" "
     "(编辑器等 YAML 1.1 工具会把 {0} 读成数字 {1})"),
    (r"^update the title", "请同时修改标题, 或在标题中写 {{within}} 让它随时限显示"),
    (r"^add the State Council's (\d+) holidays and make-up working days under years: \d+ in "
     r"(\S+)", "请在「节假日安排」页 (或 {1} 的 years: {0}) 录入国务院公布的 {0} 年放假与"
     "调休上班日, 否则 {0} 年的时限只按法定节日计算"),
))


def _translate(text: str, table: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for pattern, zh in table:
        m = pattern.search(text)
        if m:
            groups = [_KIND_ZH.get(g, g) if g else "" for g in m.groups()]
            return zh.format(*groups)
    return text


def message(e: RuleError, lang: str) -> str:
    """The error's message in `lang` (zh: translated when its shape is known)."""
    return _translate(e.message, _ZH) if lang == "zh" else e.message


def hint(e: RuleError, lang: str) -> str:
    """The error's hint in `lang` ('' when none)."""
    if not e.hint:
        return ""
    return _translate(e.hint, _HINT_ZH) if lang == "zh" else e.hint


def describe(e: RuleError, lang: str) -> str:
    """One line for people: where, what, and how to fix it when the slip is known."""
    where = f"{e.key_path}: " if e.path else ""
    tip = hint(e, lang)
    if lang == "zh":
        head = "警告" if e.severity == "warning" else "错误"
        text = f"{head} {e.file} 第 {e.line} 行: {where}{message(e, lang)}"
        return text + (f" — 提示: {tip}" if tip else "")
    head = "warning" if e.severity == "warning" else "error"
    text = f"{head} {e.file}, line {e.line}: {where}{e.message}"
    return text + (f" — hint: {tip}" if tip else "")
