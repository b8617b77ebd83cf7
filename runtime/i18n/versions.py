"""UI strings of the change history and the new-property form (runtime/ui/pages/versions_ui)."""

from __future__ import annotations


def _s(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


CATALOG: dict[str, dict[str, str]] = {
    # rebase (runtime/ui/rebase.py)
    "app.rebase.stale": _s("本草稿基于第{base}版, 此后第{live}版已生效 ({versions})。"
                           "发布前请先把这些变化合并进草稿 (变基)。",
                           "This draft is based on version {base}; version {live} has gone live "
                           "since ({versions}). Merge those changes into the draft (rebase) "
                           "before publishing."),
    "app.rebase.run": _s("合并第{live}版的变化到草稿", "Merge version {live} into the draft"),
    "app.rebase.done": _s("已合并: 草稿现在基于第{live}版, 需重新提交审核。",
                          "Merged: the draft is now based on version {live} and goes back to "
                          "review."),
    "app.rebase.conflicts": _s("有 {n} 处冲突: 草稿与生效版本改了同样的行, 未做任何合并。",
                               "{n} conflict(s): the draft and the live version changed the same "
                               "lines; nothing was merged."),
    "app.rebase.conflict": _s("冲突: {path} 第{line}行", "Conflict: {path} line {line}"),
    "app.rebase.keep_draft": _s("保留草稿的内容 (我已把生效版本的改动手工并入)",
                                "Keep the draft's text (I have merged the live change by hand)"),
    # change history
    "app.page.changes": _s("变更记录", "Change history"),
    "app.changes.intro": _s("两个已发布版本之间改了什么: 每处变化一句话, 按管理处分组; 原始 YAML "
                            "差异在下方展开。", "What changed between two published versions: one "
                            "sentence per change, grouped by property; the raw YAML diff below."),
    "app.changes.history": _s("变更记录", "Change history"),
    "app.changes.from": _s("旧版本", "From version"),
    "app.changes.to": _s("新版本", "To version"),
    "app.changes.version": _s("第{n}版 · {when} · {message}", "v{n} · {when} · {message}"),
    "app.changes.only_one": _s("目前只有一个版本, 还没有变更记录。",
                               "There is only one version so far: no changes yet."),
    "app.changes.same": _s("请选择两个不同的版本。", "Choose two different versions."),
    "app.changes.none": _s("规则内容没有变化。", "The rules did not change."),
    "app.changes.count": _s("共 {n} 处变化。", "Changes: {n}."),
    "app.changes.raw": _s("原始 YAML 差异", "Raw YAML diff"),
    "app.changes.raw_empty": _s("文件没有差异。", "No file differs."),
    "app.changes.draft": _s("本草稿改了什么 (相对当前生效的第{n}版)",
                            "What this draft changes (against the live version {n})"),
    "app.changes.draft_base": _s("本草稿基于第{base}版建立, 当前生效的是第{live}版: 下面也会列出"
                                 "在此期间别人发布的变化。", "This draft was copied from version "
                                 "{base}; version {live} is live now, so changes published since "
                                 "then show up below too."),
    # new property
    "app.page.newprop": _s("新建管理处", "New property"),
    "app.newprop.intro": _s("从公司规则出发建立一个新管理处, 无需编写 YAML: 选岗位与定编、工作时间"
                            "和需要改动的时限。生成的规则写入草稿, 再按「版本与发布」的审核、批准、"
                            "发布流程生效。", "Start a new property from the company rules without "
                            "writing YAML: roles and headcount, working hours and changed time "
                            "limits. The rules go into a draft and take effect through review, "
                            "approval and publishing on the versions page."),
    "app.newprop.basics": _s("基本信息", "Basics"),
    "app.newprop.id": _s("管理处标识", "Property id"),
    "app.newprop.id_help": _s("小写英文字母、数字和短横线, 以字母开头, 如 east-garden",
                              "lower-case letters, digits and hyphens, starting with a letter, "
                              "e.g. east-garden"),
    "app.newprop.title": _s("管理处名称", "Property name"),
    "app.newprop.type": _s("物业类型", "Property type"),
    "app.newprop.type.residential": _s("住宅小区", "Residential"),
    "app.newprop.type.apartment": _s("公寓", "Apartments"),
    "app.newprop.type.office": _s("写字楼", "Offices"),
    "app.newprop.type.mall": _s("商场", "Shopping mall"),
    "app.newprop.type.mixed": _s("综合体", "Mixed use"),
    "app.newprop.address": _s("地址 (可空)", "Address (optional)"),
    "app.newprop.staffing": _s("岗位与定编", "Roles and headcount"),
    "app.newprop.staffing_help": _s("默认为公司定编; 填 0 表示本管理处不设此岗位; 留空沿用公司"
                                    "规定。只有改动的岗位写入规则。", "Company headcount by "
                                    "default; 0 means the property does not staff the role; empty "
                                    "keeps the company rule. Only changed roles are written."),
    "app.newprop.company_value": _s("公司: {value}", "Company: {value}"),
    "app.newprop.unset": _s("未定", "not set"),
    "app.newprop.hours": _s("工作时间", "Working hours"),
    "app.newprop.hours_help": _s("一段或两段 (如午休), 写成 HH:MM-HH:MM; 两段都留空则沿用公司"
                                 "日历。", "One or two blocks (e.g. a lunch break) as "
                                 "HH:MM-HH:MM; leave both empty to keep the company calendar."),
    "app.newprop.hours.0": _s("第一段", "First block"),
    "app.newprop.hours.1": _s("第二段 (可空)", "Second block (optional)"),
    "app.newprop.limits": _s("时限", "Time limits"),
    "app.newprop.limits_help": _s("默认为公司时限, 如 24h、3d、2个工作日; 只有改动的时限写入"
                                  "规则。", "Company limits by default, e.g. 24h, 3d, 2 working "
                                  "days; only changed limits are written."),
    "app.newprop.limit.clock": _s("时限", "clock"),
    "app.newprop.limit.step": _s("步骤时限", "step limit"),
    "app.newprop.limit.follow-up": _s("跟踪/回访", "follow-up"),
    "app.newprop.draft": _s("写入草稿", "Write into draft"),
    "app.newprop.draft_title": _s("新草稿名称", "New draft title"),
    "app.newprop.draft_default": _s("新建管理处: {title}", "New property: {title}"),
    "app.newprop.submit": _s("生成管理处规则", "Create the property rules"),
    "app.newprop.errors": _s("请改正以下 {n} 处后再提交 (尚未写入任何内容)。",
                             "Fields to correct: {n}. Nothing was written; correct them and "
                             "submit again."),
    "app.newprop.err.required": _s("{field}: 必填。", "{field}: required."),
    "app.newprop.err.id_format": _s("{field}: 「{value}」不是有效标识, 请用小写英文字母、数字和短"
                                    "横线, 以字母开头 (如 east-garden)。", "{field}: {value!r} is "
                                    "not a valid id; use lower-case letters, digits and hyphens, "
                                    "starting with a letter (e.g. east-garden)."),
    "app.newprop.err.id_taken": _s("{field}: 管理处「{value}」已存在。",
                                   "{field}: property {value!r} already exists."),
    "app.newprop.err.type": _s("{field}: 未知的物业类型「{value}」。",
                               "{field}: unknown property type {value!r}."),
    "app.newprop.err.hours_format": _s("{field}: 「{value}」请写成 HH:MM-HH:MM, 开始早于结束 (如 "
                                       "08:30-12:00)。", "{field}: write {value!r} as "
                                       "HH:MM-HH:MM with the start before the end (e.g. "
                                       "08:30-12:00)."),
    "app.newprop.err.hours_overlap": _s("{field}: 「{value}」须在第一段结束之后开始。",
                                        "{field}: {value!r} must start after the first block "
                                        "ends."),
    "app.newprop.err.duration": _s("{field}: 「{value}」不是有效时限 (如 24h、3d、2个工作日)。"
                                   "({reason})", "{field}: {value!r} is not a valid duration "
                                   "(e.g. 24h, 3d, 2 working days). ({reason})"),
    "app.newprop.err.headcount": _s("{field}: 定编不能为负数。",
                                    "{field}: headcount cannot be negative."),
    "app.newprop.write_failed": _s("未能写入草稿: {reason}", "Could not write the draft: {reason}"),
    "app.newprop.written": _s("已写入草稿「{draft}」: {files}。下一步: 在「版本与发布」提交审核。",
                              "Written into draft {draft}: {files}. Next: submit it for review "
                              "on the versions page."),
    "app.newprop.yaml": _s("写入的规则文件", "The rule files written"),
    "app.newprop.goto": _s("打开版本与发布", "Open versions and publishing"),
}
