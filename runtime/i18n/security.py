"""UI strings of sign-in throttling, locked accounts and the forced password change."""

from __future__ import annotations

CATALOG: dict[str, dict[str, str]] = {
    "sec.login.wait": {
        "zh": "尝试次数过多, 请 {seconds} 秒后再试",
        "en": "Too many attempts; try again in {seconds} seconds"},
    "sec.login.locked": {
        "zh": "该账号因多次登录失败已暂时锁定, 请于 {until} 后再试, 或请管理员解锁",
        "en": "This account is locked after repeated failed sign-ins until {until}; "
              "try again then or ask an administrator to unlock it"},
    "sec.password.title": {"zh": "请设置您自己的密码", "en": "Choose your own password"},
    "sec.password.why": {
        "zh": "演示账号的初始密码已公开, 使用前必须改为只有您知道的密码。",
        "en": "The demo accounts' first password is published; choose one only you know "
              "before you start."},
    "sec.password.old": {"zh": "当前密码", "en": "Current password"},
    "sec.password.new": {"zh": "新密码", "en": "New password"},
    "sec.password.repeat": {"zh": "再次输入新密码", "en": "New password again"},
    "sec.password.submit": {"zh": "修改密码", "en": "Change password"},
    "sec.password.mismatch": {"zh": "两次输入的新密码不一致", "en": "The new passwords differ"},
    "sec.password.refused": {
        "zh": "未能修改: 当前密码不正确, 或新密码少于 {min} 位、与旧密码或演示密码相同",
        "en": "Not changed: the current password is wrong, or the new one is shorter than "
              "{min} characters or the same as the old or the demo password"},
    "sec.password.done": {"zh": "密码已修改", "en": "Password changed"},
    "sec.locks.title": {"zh": "已锁定的账号", "en": "Locked accounts"},
    "sec.locks.none": {"zh": "当前没有被锁定的账号", "en": "No account is locked"},
    "sec.locks.row": {
        "zh": "**{name}** · 连续失败 {failures} 次 · 锁定至 {until}",
        "en": "**{name}** · {failures} failures in a row · locked until {until}"},
    "sec.locks.unlock": {"zh": "解锁", "en": "Unlock"},
    "sec.locks.unlocked": {"zh": "已解锁 {name}", "en": "{name} unlocked"},
}
