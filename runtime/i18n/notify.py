"""UI strings of notifications (runtime/notify) and the worker status page."""

from __future__ import annotations

CATALOG: dict[str, dict[str, str]] = {
    "notify.kind.step-entered": {"zh": "新任务", "en": "new step"},
    "notify.kind.warning": {"zh": "预警", "en": "warning"},
    "notify.kind.breach": {"zh": "超时", "en": "overdue"},
    "notify.kind.escalated": {"zh": "升级", "en": "escalated"},
    "notify.kind.follow-up-due": {"zh": "回访", "en": "follow-up"},
    "notify.kind.read-task": {"zh": "阅读", "en": "read"},
    "notify.kind.review": {"zh": "待审核", "en": "review"},
    "notify.kind.approval": {"zh": "待批准", "en": "approval"},
    "notify.due": {"zh": "，期限 {when}", "en": ", due by {when}"},
    "notify.open": {"zh": "打开", "en": "Open"},
    "notify.footer": {"zh": "—— 物业手册系统自动发送", "en": "— sent by Handbook"},
    "notify.digest": {"zh": "{n} 条通知汇总", "en": "{n} notifications"},
    "app.page.inbox": {"zh": "消息", "en": "Inbox"},
    "app.page.worker": {"zh": "后台任务状态", "en": "Worker status"},
    "app.inbox.bell": {"zh": "🔔 {n} 条未读消息", "en": "🔔 {n} unread"},
    "app.inbox.empty": {"zh": "没有消息。", "en": "No messages."},
    "app.inbox.unread_only": {"zh": "只看未读", "en": "Unread only"},
    "app.inbox.mark_read": {"zh": "标为已读", "en": "Mark read"},
    "app.inbox.mark_all": {"zh": "全部标为已读", "en": "Mark all read"},
    "app.inbox.open_case": {"zh": "打开案件", "en": "Open case"},
    "app.inbox.open": {"zh": "打开", "en": "Open"},
    "app.worker.never": {"zh": "后台任务从未运行: 请用 make run 或 handbook worker 启动。",
                         "en": "The worker has never run: start it with make run or "
                               "handbook worker."},
    "app.worker.stale": {"zh": "后台任务上次运行于 {ago} 分钟前 (超过 5 分钟): 时限预警与通知"
                               "可能未发出。", "en": "The worker last ticked {ago} minutes ago "
                               "(over 5 minutes): warnings and notifications may be late."},
    "app.worker.ok": {"zh": "后台任务正常: 上次运行 {at} ({ago} 分钟前)",
                      "en": "The worker is running: last tick {at} ({ago} min ago)"},
    "app.worker.holder": {"zh": "运行者", "en": "Held by"},
    "app.worker.last": {"zh": "上次运行", "en": "Last tick"},
    "app.worker.took": {"zh": "耗时 (毫秒)", "en": "Took (ms)"},
    "app.worker.ticked": {"zh": "检查案件", "en": "Cases ticked"},
    "app.worker.outbox": {"zh": "发件箱", "en": "Outbox"},
    "app.worker.failures": {"zh": "发送失败", "en": "Delivery failures"},
    "app.worker.no_failures": {"zh": "没有发送失败。", "en": "No delivery failures."},
    "app.worker.retry": {"zh": "重新发送", "en": "Send again"},
    "app.worker.status.pending": {"zh": "待发", "en": "pending"},
    "app.worker.status.sending": {"zh": "发送中", "en": "sending"},
    "app.worker.status.retry": {"zh": "待重试", "en": "retrying"},
    "app.worker.status.sent": {"zh": "已发送", "en": "sent"},
    "app.worker.status.failed": {"zh": "失败", "en": "failed"},
}
