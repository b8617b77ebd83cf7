"""Rule ids for imported titles, and a registry of the roles and forms a draft may name.

Ids are English, after the glossary (`shared/glossary.md`): a title is cut into known terms,
longest first (客户服务中心 → service-centre, 主管 → supervisor), and the words are joined.
A title with words the lexicon does not know gets a stable hashed id (`role-3fa2c1`) rather
than a guess; the draft keeps the Chinese title, so the administrator renames it at review.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

LEXICON: dict[str, str] = {
    # organisation
    "客户服务中心": "service-centre", "客服中心": "service-centre", "客户中心": "customer-centre",
    "客户服务部": "customer-service", "客服部": "customer-service",
    "客户服务": "customer-service", "客服": "customer-service", "客户": "customer",
    "顾客": "customer", "业户": "resident", "业主": "owner", "住户": "resident",
    "管理处": "office", "公司": "company", "部门": "department", "项目": "project",
    "品质部": "quality", "品质": "quality", "行政": "admin", "综合部": "general-affairs",
    "指挥中心": "command-centre", "控制中心": "control-centre", "消防中心": "fire-control-centre",
    "消防控制中心": "fire-control-centre", "中控室": "control-room", "消防": "fire",
    "儿童服务中心": "childrens-centre", "中心": "centre", "社区文化": "community-activities",
    "社区": "community", "文化": "culture",
    # roles
    "总经理": "general-manager", "副总经理": "deputy-general-manager",
    "副总": "deputy-general-manager", "经理助理": "manager-assistant", "经理": "manager",
    "副经理": "deputy-manager", "主任": "director", "副主任": "deputy-director",
    "主管": "supervisor", "主办": "officer", "助理": "assistant", "前台": "front-desk",
    "接待员": "receptionist", "接待": "reception", "管理员": "administrator",
    "服务员": "attendant", "工作人员": "staff", "人员": "staff", "专员": "specialist",
    "文员": "clerk", "内勤": "clerk", "内勤员": "clerk", "队长": "captain", "班长": "team-leader",
    "组长": "team-leader", "分队长": "squad-leader", "老师": "teacher", "收费员": "cashier",
    "出纳": "cashier", "出纳员": "cashier", "会计": "accountant", "管家": "butler",
    "信息员": "information-officer", "资料员": "records-clerk", "司机": "driver",
    "保安员": "security-guard", "保安": "security-guard", "安全员": "security-guard",
    "安管员": "security-guard", "保洁员": "cleaner", "保洁": "cleaning", "绿化工": "gardener",
    "维修工": "technician", "维修员": "technician", "值班员": "duty-officer", "兼": "and",
    "员": "staff",
    # work
    "安全": "security", "工程": "engineering", "维修": "repair", "返修": "rework",
    "装返修": "renovation-rework", "装修": "renovation", "环境": "environment",
    "绿化": "landscaping", "清洁": "cleaning", "财务": "finance", "家政": "household",
    "服务": "service", "泳池": "pool", "游泳池": "pool", "区域": "area", "投诉": "complaint",
    "建议": "suggestion", "处理": "handling", "值班": "duty", "回访": "callback", "走访": "visit",
    "访问": "visit", "巡查": "patrol", "入住": "move-in", "入伙": "move-in",
    "标价签": "price-tag", "商铺": "shop", "中介": "agency", "样板房": "show-flat",
    "解说员": "guide", "物业": "property", "顾问": "adviser", "贴心": "", "工作": "work",
    "信息": "information", "活动": "activity", "计划": "plan", "总结": "summary",
    "报告": "report", "考核": "assessment", "考勤": "attendance", "培训": "training",
    "例会": "meeting", "会议": "meeting", "沟通会": "meeting", "宿舍": "dormitory",
    "检查": "inspection", "仓库": "store", "盘点": "stocktake", "采购": "purchasing",
    "档案": "records", "宣传栏": "notice-board", "宣传": "publicity", "问卷调查": "questionnaire",
    "问卷": "questionnaire", "调查": "survey", "满意度": "satisfaction",
    "管理费": "management-fee", "收费": "fees", "查阅": "review", "编制": "prepare",
    "方案": "plan", "年度": "annual", "季度": "quarterly", "月度": "monthly", "月份": "monthly",
    "月报": "monthly-report", "周": "weekly", "月": "monthly", "日": "daily",
    "部门工作": "department", "员工": "staff", "客户投诉": "complaint",
    "工程遗留问题": "construction-defect", "遗留问题": "outstanding-issue",
    "家庭服务": "household-service", "情况": "", "安排": "rota", "管理": "management",
    "制度": "regulation", "流程图": "flowchart", "流程": "flow", "管理服务": "management-service",
    "报修": "repair-request", "作业规程": "", "工作规程": "", "规程": "", "作业": "",
    "派工": "dispatch",
    # forms
    "登记表": "register", "记录表": "record", "记录": "record", "统计表": "statistics",
    "考核表": "assessment", "评分表": "score-sheet", "计划表": "plan", "安排表": "rota",
    "反馈表": "feedback", "申请表": "application", "审批表": "approval", "通知书": "notice",
    "通知单": "notice", "派工单": "work-order", "接收单": "receipt", "发出": "dispatch",
    "单": "slip", "表": "form", "许可证": "permit", "出入证": "pass", "临时": "temporary",
    "停车场": "car-park", "租用": "rental", "协议书": "agreement", "结果": "result",
}
_TERMS = sorted(LEXICON, key=len, reverse=True)
ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_STRIP = "()（）《》「」[]【】\"'“”、，,。.．·•:： \t\n"


def translate(title: str) -> tuple[str, float]:
    """English words for a Chinese title by longest-match lexicon lookup; (words, share known)."""
    words: list[str] = []
    known = total = 0
    i = 0
    s = "".join(ch for ch in title if ch not in _STRIP)
    while i < len(s):
        ch = s[i]
        if ch.isascii() and ch.isalnum():
            j = i
            while j < len(s) and s[j].isascii() and s[j].isalnum():
                j += 1
            words.append(s[i:j].lower())
            known += j - i
            total += j - i
            i = j
            continue
        term = next((t for t in _TERMS if s.startswith(t, i)), None)
        if term is None:
            total += 1
            i += 1
            continue
        if LEXICON[term]:
            words.append(LEXICON[term])
        known += len(term)
        total += len(term)
        i += len(term)
    deduped: list[str] = []
    for w in words:
        for part in w.split("-"):
            if not deduped or deduped[-1] != part:
                deduped.append(part)
    return "-".join(deduped), (known / total if total else 0.0)


def slug(title: str, prefix: str) -> str:
    """A rule id for a title: its English words when the lexicon knows them all, else a stable
    `<prefix>-<hash>` (with the known words when at least half the title is known)."""
    words, share = translate(title)
    digest = hashlib.sha1(title.encode("utf-8")).hexdigest()[:6]
    if share == 1.0 and words and ID_RE.match(words) and len(words) <= 60:
        return words
    if share >= 0.5 and words and ID_RE.match(words):
        return f"{words[:50].rstrip('-')}-{digest[:4]}"
    return f"{prefix}-{digest}"


# Department words a role title may start with (客户中心主办 is the 主办 of 客户中心).
DEPARTMENT_PREFIXES = ("客户服务中心", "客服中心", "客户中心", "客户服务部", "客服部", "管理处")


def bare_title(title: str) -> str:
    """A role title without its department prefix: 客户中心前台接待 → 前台接待."""
    for p in DEPARTMENT_PREFIXES:
        if title.startswith(p) and len(title) > len(p) + 1:
            return title[len(p):]
    return title


def _norm(title: str) -> str:
    """Compare titles as written in any width: NFKC (（）→ ()), no spaces."""
    return "".join(unicodedata.normalize("NFKC", title).split())


def aliases(title: str) -> set[str]:
    """A title and the names it answers to: `客户访问记录 (回访记录表)` → itself, 客户访问记录,
    回访记录表 (all normalised)."""
    t = _norm(title)
    out = {t}
    m = re.fullmatch(r"(?P<main>.+?)\((?P<alt>[^()]+)\)", t)
    if m:
        out |= {m["main"], m["alt"]}
    return out


@dataclass
class Registry:
    """The ids already taken and the titles they answer to, in the target tree and this import."""

    taken: dict[str, set[str]] = field(default_factory=dict)  # kind → ids
    tree_roles: dict[str, str] = field(default_factory=dict)  # title → id
    tree_forms: dict[str, str] = field(default_factory=dict)  # title → id
    departments: dict[str, str] = field(default_factory=dict)  # title → id
    new_roles: dict[str, str] = field(default_factory=dict)  # title/alias → id (this import)
    new_forms: dict[str, str] = field(default_factory=dict)

    def allocate(self, kind: str, title: str, prefix: str) -> str:
        """A fresh id of `kind` for `title`; `-imported` (then a number) when already taken."""
        ids = self.taken.setdefault(kind, set())
        base = slug(title, prefix)
        candidate = base
        if candidate in ids:
            candidate = f"{base}-imported"
        n = 2
        while candidate in ids:
            candidate = f"{base}-imported-{n}"
            n += 1
        ids.add(candidate)
        return candidate

    def find_role(self, name: str) -> str | None:
        """The id of a role named `name` in this import or the tree (exact, then bare title)."""
        name = _norm(name.strip(_STRIP))
        if not name:
            return None
        for table in (self.new_roles, self.tree_roles):
            for title, rid in table.items():
                if name in aliases(title):
                    return rid
        bare = bare_title(name)
        for table in (self.new_roles, self.tree_roles):
            for title, rid in table.items():
                if any(bare_title(a) == bare for a in aliases(title)):
                    return rid
        return None

    def find_form(self, title: str) -> str | None:
        """The id of a form titled `title` (any width; a bracketed alias counts too)."""
        name = _norm(title)
        for table in (self.new_forms, self.tree_forms):
            for known, fid in table.items():
                if name in aliases(known):
                    return fid
        return None

    def department_of(self, title: str) -> str | None:
        """The department a role title starts with (客户中心… → service-centre), when known."""
        aliases = {"客户中心": "客户服务中心", "客服中心": "客户服务中心"}
        for p in DEPARTMENT_PREFIXES:
            if title.startswith(p):
                dep = self.departments.get(aliases.get(p, p))
                if dep:
                    return dep
        return None
