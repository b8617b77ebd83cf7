"""The one UI string catalog: Simplified Chinese by default, English on the switch.

Strings live in per-room modules (`app`, `forms`, `engine`, ...) each exporting
`CATALOG: dict[str, dict[str, str]]` keyed `key -> {"zh": ..., "en": ...}`; they are merged
here once. Keys are dotted (`forms.required`). `t()` falls back to Chinese, then to the key,
so a missing translation shows up as text rather than a crash.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """Every UI string of every room, merged (duplicate keys are a programming error)."""
    merged: dict[str, dict[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, texts in getattr(module, "CATALOG", {}).items():
            if key in merged:
                raise RuntimeError(f"duplicate i18n key {key!r} in {info.name}")
            merged[key] = texts
    return merged


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The UI string `key` in `lang`, formatted with `values`."""
    texts = catalog().get(key)
    if texts is None:
        return key
    if lang == "zh-Hant":  # printed chrome of a `script: hant` property (runtime/i18n/hant.py)
        from runtime.i18n.hant import HANT

        hant = HANT.get(key)
        if hant is not None:
            return hant.format(**values) if values else hant
    text = texts.get(lang) or texts.get(DEFAULT_LANG) or key
    return text.format(**values) if values else text


def pick(zh: str | None, en: str | None, lang: str) -> str:
    """Content text: the English variant when asked for and present, else the Chinese."""
    if lang == "en" and en:
        return en
    return zh or en or ""
