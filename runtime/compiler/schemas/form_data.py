"""The JSON Schema subset a form's `schema:` may use, as a schema an editor can check.

Built from the same lists `handbook check` uses (`validate._KEYWORDS`, `_TYPES`, `_FORMATS`), so
the editor flags `type: integr` or `requird:` inside a form exactly where E013 would.
"""

from __future__ import annotations

from typing import Any

from runtime.compiler.validate import (
    _COUNTS,
    _FIELD_NAME,
    _FORMATS,
    _KEYWORDS,
    _NUMBERS,
    _SUBSCHEMA_LISTS,
    _SUBSCHEMAS,
    _TYPES,
)

_NODE = {"$ref": "#/definitions/form-node"}


def _keyword(name: str) -> dict[str, Any]:
    """What one keyword of the subset accepts."""
    types = sorted(_TYPES)
    if name == "type":
        return {"description": "数据类型: " + ", ".join(types),
                "oneOf": [{"enum": types}, {"type": "array", "items": {"enum": types},
                                            "minItems": 1}]}
    if name == "format":
        return {"description": "格式: " + ", ".join(sorted(_FORMATS)), "enum": sorted(_FORMATS)}
    if name == "enum":
        return {"description": "可选值 (非空列表)", "type": "array", "minItems": 1}
    if name in _COUNTS:
        return {"description": f"{name} (整数 >= 0)", "type": "integer", "minimum": 0}
    if name in _NUMBERS:
        return {"description": f"{name} (数字)", "type": "number"}
    if name == "required":
        return {"description": "必填字段名", "type": "array", "items": {"type": "string"}}
    if name == "properties":
        return {"description": "字段: 字段名 (snake_case) → 数据定义", "type": "object",
                "propertyNames": {"pattern": _FIELD_NAME.pattern},
                "additionalProperties": _NODE}
    if name in _SUBSCHEMAS:
        return {"description": f"{name}: 子定义", **_NODE}
    if name == "additionalProperties":
        return {"description": "是否允许其他字段, 或其他字段的数据定义",
                "oneOf": [{"type": "boolean"}, _NODE]}
    if name in _SUBSCHEMA_LISTS:
        return {"description": f"{name}: 子定义列表", "type": "array", "items": _NODE}
    if name in ("pattern", "title", "description", "$comment", "$schema", "contentMediaType",
                "contentEncoding"):
        return {"description": name, "type": "string"}
    if name in ("readOnly", "uniqueItems"):
        return {"description": name, "type": "boolean"}
    return {"description": name}


FORM_DATA_DEFS: dict[str, Any] = {
    "form-node": {
        "description": "数据定义 (本项目支持的 JSON Schema 子集)",
        "type": "object",
        "properties": {name: _keyword(name) for name in sorted(_KEYWORDS)},
        "additionalProperties": False,
    },
    "form-data": {
        "description": "表单数据定义 (JSON Schema 子集, type: object)",
        "allOf": [_NODE, {"properties": {"type": {"const": "object"}},
                          "required": ["type", "properties"]}],
    },
}
