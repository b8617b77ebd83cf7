"""Traditional-Chinese (zh-Hant) text of the printed chrome, for properties with `script: hant`.

A small hand-made catalog rather than OpenCC: only the fixed words a printed form carries
around the content (page numbers, printed at, signature boxes, blanks to fill in) need
converting, the content itself is written by the property in its own script, and a catalog
cannot mis-convert (OpenCC's 打印 → 打印 vs 列印 is a regional choice, 列印 in Taiwan and Hong
Kong). `t(key, "zh-Hant")` reads these and falls back to Simplified for any other key.
"""

from __future__ import annotations

HANT_LANG = "zh-Hant"

HANT: dict[str, str] = {
    "print.number": "編號",
    "print.version": "版本",
    "print.form_id": "表單",
    "print.printed_at": "列印時間",
    "print.page": "第 {page} 頁",
    "print.signature": "簽名",
    "print.date": "日期",
    "print.yes": "是",
    "print.no": "否",
    "print.blank_number": "____________",
    "print.created": "登記",
    "print.status": "狀態",
    "print.fill_datetime": "______年____月____日 ____時____分",
    "print.fill_date": "______年____月____日",
    "print.fill_time": "____時____分",
    "print.continued": "(續)",
    "print.row_no": "序號",
    "print.attachment": "附件",
    "print.void": "已作廢",
    "forms.row": "第 {n} 行",
    "forms.status.open": "辦理中",
    "forms.status.active": "有效",
    "forms.status.closed": "已結案",
    "forms.status.archived": "已歸檔",
    "forms.status.void": "已作廢",
    "forms.status.voided": "已作廢",
    "forms.status.draft": "草稿",
}
