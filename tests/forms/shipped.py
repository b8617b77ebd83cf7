"""The shipped forms, as (view, form id) pairs: the company base plus every property view
whose form differs from (or is missing in) the base. Loaded once, leniently: these tests are
about forms, and a rule being edited elsewhere in the tree must not hide them."""

from __future__ import annotations

import functools
import textwrap
from typing import Any

import yaml

import runtime
from runtime.compiler import model as m
from runtime.compiler.model import Form, Handbook
from runtime.forms.spec import FieldSpec, walk


@functools.lru_cache(maxsize=1)
def views() -> dict[str | None, Handbook]:
    """The company view and each property's view."""
    base = runtime.load(strict=False)
    out: dict[str | None, Handbook] = {None: base}
    for pid in base.properties:
        out[pid] = runtime.load(property=pid, strict=False)
    return out


@functools.lru_cache(maxsize=1)
def shipped() -> list[tuple[str | None, str]]:
    """Every distinct shipped form as (property or None, form id)."""
    all_views = views()
    base = all_views[None]
    pairs: list[tuple[str | None, str]] = [(None, fid) for fid in sorted(base.forms)]
    for pid, hb in all_views.items():
        if pid is None:
            continue
        for fid, form in sorted(hb.forms.items()):
            other = base.forms.get(fid)
            if other is None or other.schema != form.schema or other.ui != form.ui:
                pairs.append((pid, fid))
    return pairs


def ids() -> list[str]:
    """Test ids: `form-id` or `property/form-id`."""
    return [f"{pid}/{fid}" if pid else fid for pid, fid in shipped()]


def get(pid: str | None, fid: str) -> tuple[Handbook, Form]:
    """The handbook view and the form."""
    hb = views()[pid]
    return hb, hb.forms[fid]


def text_specs(form: Form) -> list[FieldSpec]:
    """Free-text fields (where people type whatever they like)."""
    from runtime.forms.spec import form_spec

    return [s for s in walk(form_spec(form).fields)
            if s.kind in ("text", "textarea", "phone", "unit")]


META = m.Meta(kind="form", id="test-form", title="测试登记表", version="2.3.4",
              effective="2026-01-01", drafted_by="a", reviewed_by="b", approved_by="c",
              property=None, src=m.Loc("forms/test-form.yaml", 1), title_en="Test register")


def make_form(source: str, form_id: str = "test-form") -> Form:
    """A Form from YAML text holding `schema:` and optional `ui:` (no rules tree needed)."""
    data: dict[str, Any] = yaml.safe_load(textwrap.dedent(source))
    ui = data.get("ui") or {}
    sections = tuple(
        m.FormSection(id=s["id"], title=s["title"], fields=tuple(s["fields"]),
                      title_en=s.get("title-en"))
        for s in ui.get("sections", [])
    )
    meta = m.Meta(**{**META.__dict__, "id": form_id})
    return m.Form(meta=meta, schema=data["schema"], ui=ui, sections=sections,
                  template=(data.get("print") or {}).get("template"), number_prefix="TT",
                  retention=None)


# A form using every kind of field the interpreter knows.
KITCHEN_SINK = """
schema:
  type: object
  required: [reporter, unit, category, detail, happened_on]
  properties:
    reporter: {type: string, title: 报告人, minLength: 1, maxLength: 20}
    unit: {type: string, title: 房号, maxLength: 20}
    phone: {type: string, title: 联系电话}
    category: {type: string, title: 类别, enum: [water, power, other]}
    subcategory: {type: string, title: 细类, enum: [leak, pipe, outage, socket, misc]}
    tags:
      {type: array, title: 标签, items: {type: string, enum: [urgent, repeat, vip]},
       uniqueItems: true}
    detail: {type: string, title: 详细情况, minLength: 1, maxLength: 500}
    other_note: {type: string, title: 其他说明, maxLength: 100}
    happened_on: {type: string, format: date, title: 发生日期}
    happened_at: {type: string, format: time, title: 发生时刻}
    reported_at: {type: string, format: date-time, title: 报告时间}
    people: {type: integer, title: 人数, minimum: 1, maximum: 50}
    cost: {type: number, title: 费用, minimum: 0}
    total: {type: number, title: 合计}
    urgent: {type: boolean, title: 紧急, default: false}
    urgent_reason: {type: string, title: 紧急原因, maxLength: 200}
    photo: {type: array, title: 现场照片, items: {type: string}}
    code: {type: string, title: 编码, pattern: "^[A-Z]{2}[0-9]{3}$"}
    address:
      type: object
      title: 地址
      required: [building]
      properties:
        building: {type: string, title: 楼栋, maxLength: 10}
        room: {type: string, title: 室, maxLength: 10}
    involved:
      type: array
      title: 相关人员
      items:
        type: object
        required: [name, role]
        properties:
          name: {type: string, title: 姓名, minLength: 1, maxLength: 20}
          role: {type: string, title: 身份, enum: [owner, tenant, visitor]}
          note: {type: string, title: 备注, maxLength: 50}
    remarks: {type: array, title: 附注, items: {type: string, maxLength: 30}}
    signed_by: {type: string, title: 签收人}
ui:
  sections:
    - {id: intake, title: 登记, title-en: Intake,
       fields: [reporter, unit, phone, category, subcategory, tags, detail, other_note]}
    - {id: when, title: 时间,
       fields: [happened_on, happened_at, reported_at, people, cost, total, urgent, urgent_reason]}
    - {id: more, title: 更多, fields: [photo, code, address, involved, remarks]}
  fields:
    reporter: {title-en: Reporter, default: current-user}
    unit: {widget: unit, title-en: Unit}
    phone: {widget: phone, personal: true, title-en: Phone}
    category:
      widget: radio
      labels: {water: 水, power: 电, other: 其他}
      labels-en: {water: Water, power: Power, other: Other}
    subcategory:
      widget: select
      choices-from:
        field: category
        map: {water: [leak, pipe], power: [outage, socket], other: [misc]}
      labels: {leak: 漏水, pipe: 水管, outage: 停电, socket: 插座, misc: 其他}
    tags: {widget: multiselect, labels: {urgent: 加急, repeat: 重复, vip: 重点}}
    detail: {widget: textarea, default: "case:content"}
    other_note: {visible-if: "category == 'other'", required-if: "category == 'other'"}
    happened_on: {widget: date, default: today}
    reported_at: {widget: datetime, default: now}
    cost: {unit: 元}
    total: {compute: "(cost or 0) * (people or 0)", unit: 元}
    urgent_reason: {visible-if: urgent, required-if: urgent}
    photo: {widget: photo}
    involved:
      widget: rows
      fields:
        role: {labels: {owner: 业主, tenant: 租户, visitor: 访客}}
        note: {required-if: "role == 'visitor'"}
    signed_by: {default: current-property}
print:
  signatures: [报告人, 主管]
"""
