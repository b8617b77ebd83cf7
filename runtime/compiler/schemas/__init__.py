"""JSON Schemas (draft-07, for editor completion) of every rule kind.

The schemas are defined here once, in Python, so the header and shared definitions are not
copied eight times; `handbook schemas --write` regenerates
`runtime/compiler/schemas/<kind>.schema.json` and a test keeps the committed files in sync. Every
property has a Chinese `description` (shown by the editor on hover) and `docs/RULES.md`
documents every key (also tested).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.compiler.pipeline import Compiled

SCHEMA_DIR = Path(__file__).parent
KINDS = ("company", "property", "role", "procedure", "schedule", "form", "calendar", "training")

ID = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
FIELD = r"^[a-z][a-z0-9_]*$"
SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
HHMM = r"^([01]\d|2[0-4]):[0-5]\d$"
ENV_NAME = r"^[A-Z][A-Z0-9_]*$"
# Notification types (runtime/notify/plan.py): what a message is about.
NOTIFY_KINDS = ["step-entered", "warning", "breach", "escalated", "follow-up-due", "read-task",
                "review", "approval"]


def _s(desc: str, **kw: Any) -> dict[str, Any]:
    return {"description": desc, **kw}


def _obj(desc: str, props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "description": desc,
        "properties": props,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


def _arr(desc: str, items: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"type": "array", "description": desc, "items": items, **kw}


TEXT = {"type": "string", "minLength": 1}
IDREF = {"type": "string", "pattern": ID}
IDLIST = {"type": "array", "items": IDREF}
ONE_OR_MORE_IDS = {"oneOf": [IDREF, IDLIST]}

DEFS: dict[str, Any] = {
    "id": _s("标识 (英文短横线小写, 如 front-desk)", type="string", pattern=ID),
    "text": _s("文本", type="string", minLength=1),
    "duration": _s(
        "时长: 15m, 1h, 24h, 7d, 1w, 3 months, 2y, '2 working days', '4 working hours'",
        type="string",
        minLength=1,
    ),
    "recurrence": _s(
        "周期: daily 08:00, 'every Friday 14:30', 'monthly by day 25', "
        "'quarterly by day 25 of month 3', 'yearly in December'",
        type="string",
        minLength=1,
    ),
    "condition": _s(
        "条件表达式 (Jinja2 表达式, 引用表单字段), 如 category == 'engineering'",
        type="string",
        minLength=1,
    ),
    "hhmm": _s("时刻 HH:MM (加引号)", type="string", pattern=HHMM),
    "target": _obj(
        "考核指标 (如 投诉处理率 100%)",
        {
            "name": _s("指标名称", **TEXT),
            "value": _s("目标值 (手册未给数字时可省略)", type="number"),
            "max": _s("上限 (如 每季度一至二次: value 1, max 2)", type="number"),
            "per": _s("统计周期", enum=["day", "week", "month", "quarter", "year", "occurrence"]),
            "unit": _s("单位, 默认 %", type="string"),
            "comparison": _s("比较: >= (默认), <=, =", enum=[">=", "<=", "="]),
            "note": _s("说明", type="string"),
        },
        ["name"],
    ),
    "duty": _obj(
        "一条编号职责",
        {
            "no": _s("编号 (与手册一致)", type="integer", minimum=1),
            "label": _s("手册中的编号写法 (如 1.1、a)、①), 显示用", type="string"),
            "id": _s("可选标识, 供覆盖引用", type="string", pattern=ID),
            "text": _s("职责内容 (手册原文)", **TEXT),
            "frequency": _s("频率原文 (每日、每周、每月25日前)", type="string"),
            "schedule": {
                "description": "周期 (一个或多个, 如 每天下班前存档 与 每周统计)",
                "oneOf": [{"$ref": "#/definitions/recurrence"},
                          {"type": "array", "items": {"$ref": "#/definitions/recurrence"},
                           "minItems": 1}],
            },
            "time-limit": {"$ref": "#/definitions/duration"},
            "targets": _arr("考核指标", {"$ref": "#/definitions/target"}),
            "procedures": _s("相关作业规程 id", **IDLIST),
            "forms": _s("使用的表单 id", **IDLIST),
        },
        ["no", "text"],
    ),
    "department": _obj(
        "部门及其职责",
        {
            "id": {"$ref": "#/definitions/id"},
            "title": _s("部门名称", **TEXT),
            "head": _s("部门负责岗位 id", **IDREF),
            "duties": _arr("部门职责", {"$ref": "#/definitions/duty"}),
        },
        ["id", "title"],
    ),
    "service-hours": _obj(
        "服务时段: 谁在何时接待住户",
        {
            "start": {"$ref": "#/definitions/hhmm"},
            "end": {"$ref": "#/definitions/hhmm"},
            "role": _s("负责岗位 id", **IDREF),
            "note": _s("说明", type="string"),
        },
        ["start", "end"],
    ),
    "notifications": _obj(
        "通知设置: 哪些岗位经哪些渠道收到通知、免打扰时段、汇总 (站内消息总是发送)",
        {
            "channels": _arr(
                "各岗位的外部渠道 (站内消息之外)",
                _obj(
                    "岗位渠道",
                    {
                        "roles": _s("岗位 id", **IDLIST),
                        "via": _arr("渠道: email 邮件, 或 robots 中群机器人的 id", IDREF),
                        "kinds": _arr("只用于这些通知类型 (不填即全部)",
                                      {"enum": NOTIFY_KINDS}),
                    },
                    ["roles", "via"],
                ),
            ),
            "robots": _arr(
                "群机器人 (企业微信 / 钉钉): 地址与密钥只从环境变量读取",
                _obj(
                    "群机器人",
                    {
                        "id": {"$ref": "#/definitions/id"},
                        "type": _s("wecom 企业微信 / dingtalk 钉钉", enum=["wecom", "dingtalk"]),
                        "url-env": _s("保存 webhook 地址的环境变量名 (如 HANDBOOK_WECOM_OPS)",
                                      type="string", pattern=ENV_NAME),
                        "secret-env": _s("钉钉加签密钥的环境变量名", type="string",
                                         pattern=ENV_NAME),
                        "title": _s("群名称", type="string"),
                    },
                    ["id", "type", "url-env"],
                ),
            ),
            "quiet-hours": _obj(
                "免打扰: 此时段 (管理处工作日历的本地时间) 内邮件与群消息延后到结束时发送",
                {
                    "start": {"$ref": "#/definitions/hhmm"},
                    "end": {"$ref": "#/definitions/hhmm"},
                    "non-working-days": _s("按管理处工作日历, 休息日与节假日全天免打扰",
                                           type="boolean"),
                    "except": _arr("不受免打扰限制的通知类型 (默认 breach, escalated)",
                                   {"enum": NOTIFY_KINDS}),
                },
            ),
            "digest": _obj(
                "汇总: 这些类型的邮件与群消息每隔一段时间合并为一条",
                {
                    "every": {"$ref": "#/definitions/duration"},
                    "kinds": _arr("汇总的通知类型 (不填即 breach、escalated 以外的全部)",
                                  {"enum": NOTIFY_KINDS}),
                },
                ["every"],
            ),
        },
    ),
    "step-point": {
        "description": "步骤 id (进入该步骤时), 或 {step, event: enter|complete}",
        "oneOf": [
            IDREF,
            _obj(
                "步骤事件",
                {
                    "step": _s("步骤 id", **IDREF),
                    "event": _s("enter 进入 / complete 完成", enum=["enter", "complete"]),
                },
                ["step"],
            ),
        ],
    },
}

HEADER: dict[str, Any] = {
    "$schema": _s("编辑器用的 schema 声明", type="string"),
    "id": {"$ref": "#/definitions/id"},
    "title": _s("标题 (中文)", **TEXT),
    "title-en": _s("英文标题 (英文界面)", type="string"),
    "description": _s("说明", type="string"),
    "version": _s("版本号 (语义化版本, 如 1.2.0)", type="string", pattern=SEMVER),
    "effective": _s("生效日期 YYYY-MM-DD", type="string", pattern=DATE),
    # 编制/审核/批准 may be given later: an empty value (null, `~`) says "not yet given".
    "drafted-by": _s("编制 (人或部门; 空 = 尚未给出)", oneOf=[TEXT, {"type": "null"}]),
    "reviewed-by": _s("审核 (人或部门; 空 = 尚未审核)", oneOf=[TEXT, {"type": "null"}]),
    "approved-by": _s("批准 (人或部门; 空 = 尚未批准)", oneOf=[TEXT, {"type": "null"}]),
    "property": _s("所属管理处 id (不填即公司通用)", **IDREF),
}
HEADER_REQUIRED = [
    "kind", "id", "title", "version", "effective", "drafted-by", "reviewed-by", "approved-by"
]


def _rule(kind: str, desc: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"https://handbook.local/schemas/{kind}.schema.json",
        "title": f"Handbook {kind} rule",
        "description": desc,
        "type": "object",
        "properties": {"kind": _s("规则类型", const=kind), **HEADER, **props},
        "required": HEADER_REQUIRED + required,
        "additionalProperties": False,
        "definitions": DEFS,
    }
    return schema


OVERLAY = _obj(
    "对公司规则的一处覆盖 (按规则 id)",
    {
        "rule": _s("被覆盖的规则 id", **IDREF),
        "kind": _s("被覆盖规则的类型 (id 重名时必填)", enum=list(KINDS)),
        "note": _s("为何不同 (给培训看)", type="string"),
        "set": _s(
            "修改: 路径 → 新值, 路径如 steps[resolve].time-limit 或 clocks[handle].within",
            type="object",
            minProperties=1,
        ),
        "add": _s("增加: 列表路径 → 要追加的条目列表, 如 duties: [...]", type="object",
                  minProperties=1),
        "remove": _arr("删除: 条目路径列表, 如 duties[6], steps[mediation]", TEXT, minItems=1),
        "unset": _arr("清除: 键路径列表 (恢复为未填写), 如 headcount, shifts", TEXT, minItems=1),
    },
    ["rule"],
)

STEP = _obj(
    "程序步骤",
    {
        "id": {"$ref": "#/definitions/id"},
        "title": _s("步骤名称", **TEXT),
        "title-en": _s("英文名称", type="string"),
        "roles": _s("负责岗位 id (一个或多个)", **ONE_OR_MORE_IDS),
        "department": _s("负责部门 id: 由部门负责人或该部门任一岗位办理 (可代替 roles)",
                         **IDREF),
        "instructions": _s("作业要求 (手册原文)", type="string"),
        "section": _s("本步骤填写的案件表单分区 id", **IDREF),
        "form": _s("本步骤另行填写的表单 id (如 派工单)", **IDREF),
        "time-limit": {"$ref": "#/definitions/duration"},
        "next": _arr(
            "下一步 (按顺序判断, 无 when 者为默认)",
            _obj(
                "去向",
                {
                    "to": _s("下一步骤 id", **IDREF),
                    "when": {"$ref": "#/definitions/condition"},
                    "label": _s("分支说明 (流程图上显示)", type="string"),
                },
                ["to"],
            ),
        ),
        "terminal": _s("终止步骤 (结案/归档)", type="boolean"),
        "parallel": _arr(
            "并行分支: 完成本步骤后同时进入这些步骤 (代替 next)",
            {"oneOf": [IDREF, _obj("分支", {
                "to": _s("分支起始步骤 id", **IDREF),
                "when": {"$ref": "#/definitions/condition"},
                "label": _s("分支说明 (流程图上显示)", type="string"),
            }, ["to"])]},
            minItems=2,
        ),
        "join": _s("汇合: all 各分支都完成后进入本步骤 / any 任一分支完成即进入 (其余分支撤销)",
                   enum=["all", "any"]),
        "waits-for": _arr(
            "前置条件: 须等其他部门或岗位登记某事件后才能完成本步骤 (如 营销部交钥匙)",
            _obj("外部事件", {
                "event": _s("事件 id", **IDREF),
                "title": _s("事件名称 (如 营销部通知交房)", **TEXT),
                "by": _s("登记该事件的部门 id 或岗位 id", **IDREF),
            }, ["event", "by"]),
        ),
        "requires": _s("完成本步骤前必须已有记录的表单 id", **IDLIST),
        "notify": _s("进入本步骤时通知的岗位 id", **IDLIST),
        "hands-off-to": _s("转入另一作业规程办理 (如 报修、投诉): 完成本步骤时以该规程开案",
                           **IDREF),
    },
    ["id", "title"],
)
STEP["anyOf"] = [{"required": ["roles"]}, {"required": ["department"]}]

CLOCK = _obj(
    "时限计时器: 从某步骤到另一步骤须在规定时间内",
    {
        "id": {"$ref": "#/definitions/id"},
        "title": _s("名称 (如 24小时内处理)", **TEXT),
        "from": {"$ref": "#/definitions/step-point"},
        "to": {
            "description": "停止于哪一步 (一个或多个)",
            "oneOf": [{"$ref": "#/definitions/step-point"},
                      {"type": "array", "items": {"$ref": "#/definitions/step-point"},
                       "minItems": 1}],
        },
        "within": {"$ref": "#/definitions/duration"},
        "until": _s("截止时间取自案件的日期时间字段 (如 约定回复时间); 与 within 二选一",
                    type="string", pattern=FIELD),
        "basis": _s("计时方式: wall 自然时间 / working 工作时间 / pattern 按岗位工作制的工作时间",
                    enum=["wall", "working", "pattern"]),
        "pattern-of": _s("basis: pattern 时按哪个岗位的工作制 (默认 from 步骤的岗位)", **IDREF),
        "pause-in": _s("在这些步骤中暂停计时", **IDLIST),
        "warn-before": {"$ref": "#/definitions/duration"},
        "when": {"$ref": "#/definitions/condition"},
        "escalate": _arr(
            "超时升级",
            _obj(
                "升级",
                {
                    "role": _s("升级到的岗位 id", **IDREF),
                    "within": {"$ref": "#/definitions/duration"},
                    "on": _s("breach 超时 / warning 预警", enum=["breach", "warning"]),
                    "note": _s("说明", type="string"),
                },
                ["role"],
            ),
        ),
        "evidence": _s("证明已完成的记录表单 id", **IDREF),
    },
    ["id", "title", "from", "to"],
)

FOLLOW_UP = _obj(
    "后续任务 (如 处理完一周后回访)",
    {
        "id": {"$ref": "#/definitions/id"},
        "title": _s("名称", **TEXT),
        "after": {"$ref": "#/definitions/step-point"},
        "delay": {"$ref": "#/definitions/duration"},
        "role": _s("执行岗位 id", **IDREF),
        "form": _s("须填写的记录表单 id", **IDREF),
        "required-before": _s("该记录完成前不得完成的步骤 id", **IDREF),
        "when": {"$ref": "#/definitions/condition"},
    },
    ["id", "title", "after", "delay", "role"],
)

# not-before / not-after of a date or date-time field: the submit-time clock or a fixed moment.
TIME_BOUND = r"^(now|today|\d{4}-\d{2}-\d{2}([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?)?)$"

FIELD_UI = {
    "type": "object",
    "description": "字段的界面提示",
    "properties": {
        "widget": _s(
            "控件: text, textarea, select, radio, multiselect, checkbox, toggle, integer, number,"
            " date, time, datetime, phone, unit, file, photo, rows, section (= group), computed",
            type="string",
            enum=["text", "textarea", "select", "radio", "multiselect", "checkbox", "toggle",
                  "integer", "number", "date", "time", "datetime", "phone", "unit", "file",
                  "photo", "rows", "section", "group", "computed"],
        ),
        "help": _s("帮助文字", type="string"),
        "placeholder": _s("占位提示", type="string"),
        "labels": _s("选项显示名: 取值 → 中文", type="object",
                     additionalProperties={"type": "string"}),
        "labels-en": _s("选项英文名", type="object", additionalProperties={"type": "string"}),
        "title-en": _s("字段英文名", type="string"),
        "visible-if": {"$ref": "#/definitions/condition"},
        "required-if": {"$ref": "#/definitions/condition"},
        "default": _s(
            "默认值: now, today, current-user, current-property, case:<字段>, 或固定值"
        ),
        "readonly": _s("只读", type="boolean"),
        "not-before": _s("日期/时间不得早于: now (提交时的现在), today, 或固定的 2026-01-31 /"
                         " 2026-01-31 14:30", type="string", pattern=TIME_BOUND),
        "not-after": _s("日期/时间不得晚于: now, today, 或固定日期/时间", type="string",
                        pattern=TIME_BOUND),
        "compute": _s("计算字段的表达式", type="string"),
        "choices-from": _obj(
            "选项随另一字段变化",
            {
                "field": _s("依据的字段", type="string", pattern=FIELD),
                "map": _s("依据字段取值 → 可选项列表", type="object"),
            },
            ["field", "map"],
        ),
        "unit": _s("单位 (如 元、人、%)", type="string"),
        "step": _s("数字输入的步长 (如 0.5)", type="number", exclusiveMinimum=0),
        "accept": _s("附件允许的文件类型 (如 [jpg, png, pdf])", type="array",
                     items={"type": "string", "pattern": r"^[a-z0-9]{1,8}$"}),
        "print-lines": _s("空白打印时为手写预留的行数 (可重复行: 空行数, 如月排班 31)",
                          type="integer", minimum=1, maximum=100),
        "personal": _s("个人信息 (电话、身份证号): 无权限的岗位看到打码", type="boolean"),
        "fields": _s("嵌套字段 (分组或可重复行) 的界面提示", type="object"),
    },
    "additionalProperties": False,
}

# Work patterns (issue 19): a role's own working week, rotation and seasonal hours; the
# roster (值班安排表) and, where a rule says so, its tasks and working-time clocks follow it.
_PERIODS = _arr("工作时段 (午休为两段之间)",
                _obj("时段", {"start": {"$ref": "#/definitions/hhmm"},
                             "end": {"$ref": "#/definitions/hhmm"}}, ["start", "end"]),
                minItems=1)
_WEEKDAY = {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
MONTH_DAY = r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
WORK_PATTERN = _obj(
    "工作制: 每周工作天数 (五天半、六天)、倒班 (三班三运转) 与冬夏作息",
    {
        "week": _s("每周工作天数: 5, 5.5 (五天半, 周六上午), 6, 7", enum=[5, 5.5, 6, 7]),
        "days": _arr("工作的星期 (mon..sun), 不填按 week", _WEEKDAY),
        "half-days": _arr("只上第一段的半天 (五天半工作制默认 sat)", _WEEKDAY),
        "hours": _PERIODS,
        "seasons": _arr(
            "季节作息 (冬季 / 夏季): 按日期段使用不同的工作时段",
            _obj(
                "季节",
                {
                    "id": {"$ref": "#/definitions/id"},
                    "name": _s("名称 (冬季、夏季)", **TEXT),
                    "from": _s("起始月-日 (如 10-01)", type="string", pattern=MONTH_DAY),
                    "to": _s("截止月-日 (含, 如 04-30; 可跨年)", type="string",
                             pattern=MONTH_DAY),
                    "hours": _PERIODS,
                },
                ["id", "from", "to", "hours"],
            ),
        ),
        "rotation": _obj(
            "倒班 (如 三班三运转): 各班组按循环轮换班次",
            {
                "shifts": _arr(
                    "班次",
                    _obj(
                        "班次",
                        {
                            "id": {"$ref": "#/definitions/id"},
                            "name": _s("班次名称 (早班、中班、夜班)", **TEXT),
                            "start": {"$ref": "#/definitions/hhmm"},
                            "end": {"$ref": "#/definitions/hhmm"},
                        },
                        ["id", "name", "start", "end"],
                    ),
                    minItems=1,
                ),
                "cycle": _arr("一个循环中每天的班次 id, off 为休息 (如 [early, late, off])",
                              IDREF, minItems=1),
                "crews": _arr("班组名称 (如 甲班、乙班、丙班)", TEXT, minItems=1),
                "anchor": _s("循环起始日 YYYY-MM-DD: 这一天第一个班组上循环第一天",
                             type="string", pattern=DATE),
                "stagger": _s("相邻班组在循环中错开的天数 (默认 循环天数 ÷ 班组数)",
                              type="integer", minimum=0),
            },
            ["shifts", "cycle", "crews", "anchor"],
        ),
        "holidays": _s("法定节假日: off 休息 (默认, 倒班除外) / work 照常上班",
                       enum=["off", "work"]),
        "pay": _s("计薪方式: monthly 月薪制 / hourly 计时 / daily 日薪",
                  enum=["monthly", "hourly", "daily"]),
        "note": _s("说明 (手册原文)", type="string"),
    },
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "company": _rule(
        "company",
        "公司基础规则: 各管理处继承",
        {
            "calendar": _s("公司工作日历 id", **IDREF),
            "document-control": _obj(
                "文件控制: 哪些岗位可以编制、审核、批准规则变更",
                {
                    "drafted-by": _s("可编制的岗位 id", **IDLIST),
                    "reviewed-by": _s("可审核的岗位 id", **IDLIST),
                    "approved-by": _s("可批准的岗位 id", **IDLIST),
                    "company-rules": _obj(
                        "涉及公司通用规则的草稿: 由公司级账号中这些岗位审核、批准",
                        {
                            "reviewed-by": _s("公司规则变更的审核岗位 id", **IDLIST),
                            "approved-by": _s("公司规则变更的批准岗位 id", **IDLIST),
                        },
                    ),
                    "may-combine": _s("可在同一草稿兼任编制/审核/批准的岗位 id "
                                      "(默认三者须为不同的人)", **IDLIST),
                },
                ["drafted-by", "reviewed-by", "approved-by"],
            ),
            "departments": _arr("部门", {"$ref": "#/definitions/department"}),
            "service-hours": _arr("服务时段", {"$ref": "#/definitions/service-hours"}),
            "limits": _s(
                "命名时限: 名称 → 时长, 如 immediately: 10m (规则中写 within: immediately, "
                "即 马上/立即; 默认 15m)", type="object",
                additionalProperties={"$ref": "#/definitions/duration"},
                propertyNames={"pattern": ID}),
            "access": _obj(
                "应用权限: 哪些岗位可以使用哪些功能 (员工功能对所有岗位开放)",
                {
                    "administer": _s("管理规则与用户的岗位 id", **IDLIST),
                    "train": _s("培训功能 (测验进度、阅读确认进度) 的岗位 id", **IDLIST),
                    "dashboard": _s("查看统计看板的岗位 id", **IDLIST),
                    "all-properties": _s("可查看所有管理处案件的岗位 id", **IDLIST),
                },
            ),
            "notifications": {"$ref": "#/definitions/notifications"},
        },
        ["document-control"],
    ),
    "property": _rule(
        "property",
        "管理处 (项目): 继承公司规则, 以覆盖声明差异",
        {
            "property-type": _s(
                "物业类型", enum=["residential", "apartment", "office", "mall", "mixed"]
            ),
            "address": _s("地址", type="string"),
            "calendar": _s("本管理处工作日历 id", **IDREF),
            "service-hours": _arr("服务时段", {"$ref": "#/definitions/service-hours"}),
            "departments": _arr("本管理处部门", {"$ref": "#/definitions/department"}),
            "notifications": {"$ref": "#/definitions/notifications"},
            "script": _s("中文字形: hans 简体 (默认) / hant 繁体 (打印页眉页脚等按繁体)",
                         enum=["hans", "hant"]),
            "overlays": _arr("对公司规则的覆盖", OVERLAY),
        },
        ["property-type"],
    ),
    "role": _rule(
        "role",
        "岗位: 职责、权限、任职资格",
        {
            "department": _s("所属部门 id", **IDREF),
            "reports-to": _s("直接上级岗位 id (一个或多个)", **ONE_OR_MORE_IDS),
            "level": _s("管理级别: management 管理层 / operational 操作层",
                        enum=["management", "operational"]),
            "headcount": {
                "description": "定编人数: 整数, 或 {count, phases, note}",
                "oneOf": [
                    {"type": "integer", "minimum": 0},
                    _obj(
                        "分期定编",
                        {
                            "count": _s("人数", type="integer", minimum=0),
                            "phases": _s("各期人数", type="object",
                                         additionalProperties={"type": "integer", "minimum": 0}),
                            "note": _s("说明", type="string"),
                        },
                    ),
                ],
            },
            "shifts": _arr(
                "班次 / 工作时间",
                _obj(
                    "班次",
                    {
                        "name": _s("班次名称 (行政班、三班三运转)", **TEXT),
                        "start": {"$ref": "#/definitions/hhmm"},
                        "end": {"$ref": "#/definitions/hhmm"},
                        "days": _s("适用日期 (如 周一至周五)", type="string"),
                        "note": _s("说明", type="string"),
                    },
                    ["name"],
                ),
            ),
            "work-pattern": WORK_PATTERN,
            "serves": {
                "description": "公司级岗位服务的管理处: all 全部, 或管理处 id 列表; "
                               "其案件与任务只在这些管理处可见",
                "oneOf": [{"const": "all"}, {"type": "array", "items": IDREF, "minItems": 1}],
            },
            "summary": _s("岗位概述 (在谁的领导下负责什么)", type="string"),
            "purpose": _s("目的 (岗位说明书的 1.0 目的)", **TEXT),
            "scope": _s("适用范围 (岗位说明书的 2.0 适用范围)", **TEXT),
            "duties": _arr("岗位职责 (编号)", {"$ref": "#/definitions/duty"}),
            "work-content": _arr("工作内容 (编号, 与岗位职责分开)", {"$ref": "#/definitions/duty"}),
            "routine": _arr(
                "工作流程: 一天的工作顺序 (按先后排列, 不写钟点)",
                _obj(
                    "工作流程中的一步",
                    {
                        "no": _s("编号 (与手册一致, 依次递增)", type="integer", minimum=1),
                        "label": _s("手册中的编号写法, 显示用", type="string"),
                        "id": _s("可选标识, 供覆盖引用", type="string", pattern=ID),
                        "text": _s("内容 (手册原文)", **TEXT),
                    },
                    ["no", "text"],
                ),
            ),
            "references": _arr(
                "相关文件 (制度、办法等, 非表单), 显示在岗位说明书上",
                _obj(
                    "相关文件",
                    {
                        "title": _s("文件名称 (如 员工考核办法)", **TEXT),
                        "number": _s("文件编号 (如 QP-7.5-01)", type="string"),
                        "link": _s("链接 (http(s) 地址或项目内相对路径)", type="string"),
                    },
                    ["title"],
                ),
            ),
            "authorities": _arr("权限", TEXT),
            "qualifications": _obj(
                "任职资格",
                {
                    "education": _s("学历", type="string"),
                    "experience": _s("工作经验", type="string"),
                    "certificates": _arr("资质证书", TEXT),
                    "other": _arr("其他要求", TEXT),
                },
            ),
            "sees-personal-data": _s("可查看未打码的个人信息", type="boolean"),
        },
        ["level"],
    ),
    "procedure": _rule(
        "procedure",
        "作业规程: 目的、适用范围、职责、程序 (步骤、时限、升级、回访、记录)",
        {
            "category": _s("类别 (complaint, help-request, duty, service...)", type="string"),
            "purpose": _s("目的", **TEXT),
            "scope": _s("适用范围", **TEXT),
            "responsibilities": _arr(
                "职责",
                _obj("岗位职责", {"role": _s("岗位 id", **IDREF), "text": _s("职责", **TEXT)},
                     ["role", "text"]),
            ),
            "form": _s("案件表单 id (登记表)", **IDREF),
            "start": _s("起始步骤 id (默认第一步)", **IDREF),
            "steps": _arr("程序步骤", STEP, minItems=1),
            "clocks": _arr("时限", CLOCK),
            "follow-ups": _arr("后续任务", FOLLOW_UP),
            "records": _arr(
                "质量记录及保存期",
                _obj(
                    "记录",
                    {
                        "form": _s("表单 id", **IDREF),
                        "retention": {"$ref": "#/definitions/duration"},
                        "keeper": _s("保管岗位 id", **IDREF),
                        "note": _s("说明", type="string"),
                    },
                    ["form"],
                ),
            ),
        },
        ["purpose", "scope", "steps"],
    ),
    "schedule": _rule(
        "schedule",
        "工作行程: 周期性工作",
        {
            "items": _arr(
                "行程条目",
                _obj(
                    "周期任务",
                    {
                        "id": {"$ref": "#/definitions/id"},
                        "title": _s("工作内容", **TEXT),
                        "owner": _s("负责岗位 id (一个或多个)", **ONE_OR_MORE_IDS),
                        "recurrence": {"$ref": "#/definitions/recurrence"},
                        "output": _s("应输出的成果 (报告、记录)", type="string"),
                        "form": _s("输出使用的表单 id", **IDREF),
                        "within": _s("每次到期后须在此期限内完成 (如 30个工作日内完成统计分析)",
                                     **{"$ref": "#/definitions/duration"}),
                        "targets": _arr("指标", {"$ref": "#/definitions/target"}),
                        "holiday": _s(
                            "遇节假日: previous-working-day 提前 / next-working-day 顺延 / "
                            "keep 照常 / skip 跳过",
                            enum=["keep", "previous-working-day", "next-working-day", "skip"],
                        ),
                        "at-least": _s(
                            "计次: 每周期不少于 N 次, 如 '2 per week' (每周巡视不少于两次) "
                            "生成 N 个任务", type="string",
                            pattern=r"^[1-9]\d* per (day|week|month)$"),
                        "on-days": _arr("计次任务的日子 (如 [tue, fri]); 不写则在周期内均匀分布",
                                        _WEEKDAY, minItems=1),
                        "duration": _s("每次用时 (如 会议控制在10分钟左右: 10m)",
                                       **{"$ref": "#/definitions/duration"}),
                        "follow-pattern": _s("按负责岗位的工作制 (工作日、半天、冬夏作息) 生成任务",
                                             type="boolean"),
                        "participants": _arr("参加人员/岗位", TEXT),
                        "notes": _s("备注", type="string"),
                    },
                    ["id", "title", "owner", "recurrence"],
                ),
                minItems=1,
            ),
        },
        ["items"],
    ),
    "form": _rule(
        "form",
        "表单: JSON Schema (2020-12) 数据定义 + 界面提示 + 打印模板",
        {
            "number-prefix": _s("记录编号前缀 (如 TS)", type="string", pattern=r"^[A-Z]{1,6}$"),
            "retention": {"$ref": "#/definitions/duration"},
            "schema": _s("数据定义 (JSON Schema draft 2020-12, type: object)", type="object",
                         required=["type", "properties"]),
            "ui": _obj(
                "界面提示",
                {
                    "sections": _arr(
                        "分区 (步骤按分区填写)",
                        _obj(
                            "分区",
                            {
                                "id": {"$ref": "#/definitions/id"},
                                "title": _s("分区标题", **TEXT),
                                "title-en": _s("英文标题", type="string"),
                                "fields": _arr("字段名 (按显示顺序)",
                                               {"type": "string", "pattern": FIELD}),
                            },
                            ["id", "title", "fields"],
                        ),
                    ),
                    "fields": _s("字段名 → 界面提示", type="object",
                                 additionalProperties=FIELD_UI),
                },
            ),
            "print": _obj(
                "打印",
                {
                    "template": _s("Jinja2 打印模板文件 (forms/templates/ 下)", type="string"),
                    "orientation": _s("纸张方向", enum=["portrait", "landscape"]),
                    "signatures": _arr("签名栏 (如 经办人、主管)", TEXT),
                },
            ),
        },
        ["schema"],
    ),
    "calendar": _rule(
        "calendar",
        "工作日历: 工作时间、节假日与调休",
        {
            "working-hours": _arr(
                "每日工作时段 (午休为两段之间)",
                _obj("时段", {"start": {"$ref": "#/definitions/hhmm"},
                             "end": {"$ref": "#/definitions/hhmm"}}, ["start", "end"]),
                minItems=1,
            ),
            "working-days": _arr(
                "工作的星期 (mon..sun)",
                {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
            ),
            "country": _s("法定节假日来源 (holidays 包国家代码, 如 CN; null 不用)",
                          type=["string", "null"]),
            "holidays": _s("额外休息日: 日期 → 名称", type="object",
                           additionalProperties={"type": "string"}),
            "workdays": _arr("额外工作日 (调休上班)", {"type": "string", "pattern": DATE}),
            "warn-next-year-from": _s(
                "从每年几月起提醒下一年的放假安排 (国务院节假日与调休) 尚未录入 (默认 11)",
                type="integer", minimum=1, maximum=12),
            "years": _s(
                "按年覆盖 (国务院公布后填写): 年 → {holidays, workdays}",
                type="object",
                additionalProperties=_obj(
                    "某年安排",
                    {
                        "holidays": _s("放假日期 → 名称", type="object",
                                       additionalProperties={"type": "string"}),
                        "workdays": _arr("调休上班日期", {"type": "string", "pattern": DATE}),
                    },
                ),
            ),
        },
        ["working-hours"],
    ),
    "training": _rule(
        "training",
        "培训资料: 礼仪、礼貌用语、电话话术、测验题",
        {
            "roles": _s("适用岗位 id", **IDLIST),
            "sections": _arr(
                "要点分节",
                _obj(
                    "分节",
                    {
                        "id": {"$ref": "#/definitions/id"},
                        "title": _s("标题", **TEXT),
                        "items": _arr("要点 (手册只有标题时可为空)", TEXT),
                    },
                    ["id", "title", "items"],
                ),
            ),
            "scripts": _arr(
                "话术",
                _obj(
                    "话术",
                    {
                        "id": {"$ref": "#/definitions/id"},
                        "title": _s("标题", **TEXT),
                        "lines": _arr(
                            "话术步骤",
                            _obj(
                                "一句",
                                {
                                    "text": _s("要求", **TEXT),
                                    "say": _s("标准用语", type="string"),
                                    "time-limit": {"$ref": "#/definitions/duration"},
                                },
                                ["text"],
                            ),
                            minItems=1,
                        ),
                    },
                    ["id", "title", "lines"],
                ),
            ),
            "quiz": _arr(
                "测验题",
                _obj(
                    "题目",
                    {
                        "id": {"$ref": "#/definitions/id"},
                        "question": _s("题干", **TEXT),
                        "choices": _arr("选项", TEXT, minItems=2),
                        "answer": _s("正确答案 (须为选项之一)", **TEXT),
                        "explanation": _s("解析", type="string"),
                        "roles": _s("适用岗位 id", **IDLIST),
                    },
                    ["id", "question", "choices", "answer"],
                ),
            ),
        },
        [],
    ),
}


@cache
def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema of a rule kind (KeyError for an unknown kind)."""
    return SCHEMAS[kind]


def schema_file(kind: str) -> Path:
    """Where the committed JSON Schema of a kind lives."""
    return SCHEMA_DIR / f"{kind}.schema.json"


def render(kind: str, tree: Compiled | None = None) -> str:
    """The JSON text of a kind's editor schema (with `tree`: its ids as enums), as written."""
    from runtime.compiler.schemas.editor import TreeIds, editor_schema

    ids = TreeIds.of(tree) if tree is not None else None
    return json.dumps(editor_schema(kind, ids), ensure_ascii=False, indent=2) + "\n"


def write_all(directory: Path = SCHEMA_DIR, tree: Compiled | None = None) -> list[Path]:
    """Write every schema file (with `tree`: that tree's ids as enums); the paths written."""
    written = []
    directory.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        path = directory / f"{kind}.schema.json"
        path.write_text(render(kind, tree), encoding="utf-8")
        written.append(path)
    return written
