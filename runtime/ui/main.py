"""The app shell: login gate, language switch and `st.navigation` over the pages a user may open.

Pages are listed once in PAGES with the capability they need; the navigation only offers
pages the signed-in user may open, and every page function checks again on the server
(`context.guard`) because a page can also be reached by `goto()` or a stale URL.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from runtime import sessions
from runtime.errors import StoreDamaged, StoreUnavailable
from runtime.ui import context as ctx
from runtime.ui import web

GOTO_KEY = "_goto"


@dataclass(frozen=True)
class PageSpec:
    """One page: key (URL path; title `app.page.<key>`), section, capability and function."""

    key: str
    section: str  # navigation group: `app.nav.<section>`
    capability: str
    target: str  # "module:function" under runtime.ui.pages
    icon: str = ""

    @property
    def title(self) -> str:
        """The i18n key of the page title."""
        return f"app.page.{self.key}"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("tasks", "work", "staff", "staff:tasks_page", "checklist"),
    PageSpec("start", "work", "staff", "staff:start_page", "add_circle"),
    PageSpec("case", "work", "staff", "case:case_page", "assignment"),
    PageSpec("duty", "work", "staff", "staff:duty_page", "nightlight"),
    PageSpec("search", "work", "staff", "search:search_page", "search"),
    PageSpec("inbox", "work", "staff", "inbox:inbox_page", "notifications"),
    PageSpec("org", "train", "train", "trainer:org_page", "account_tree"),
    PageSpec("dutycard", "train", "train", "trainer:duty_card_page", "badge"),
    PageSpec("flow", "train", "train", "trainer:flow_page", "schema"),
    PageSpec("etiquette", "train", "train", "trainer:etiquette_page", "record_voice_over"),
    PageSpec("quiz", "train", "staff", "trainer:quiz_page", "quiz"),
    PageSpec("ack", "train", "staff", "trainer:ack_page", "task_alt"),
    PageSpec("changes", "train", "train", "versions_ui:changes_page", "difference"),
    PageSpec("dashboard", "dashboard", "dashboard", "dashboard:dashboard_page", "monitoring"),
    PageSpec("rules", "admin", "administer", "admin:rules_page", "folder_open"),
    PageSpec("editor", "admin", "administer", "admin:editor_page", "edit_document"),
    PageSpec("resolved", "admin", "administer", "admin:resolved_page", "layers"),
    PageSpec("versions", "admin", "control", "admin:versions_page", "history"),
    PageSpec("newprop", "admin", "administer", "versions_ui:new_property_page", "add_business"),
    PageSpec("import", "admin", "administer", "admin:import_page", "upload_file"),
    PageSpec("users", "admin", "administer", "admin:users_page", "group"),
    PageSpec("worker", "admin", "administer", "worker_status:worker_page", "schedule"),
    PageSpec("holidays", "admin", "administer", "holidays:holidays_page", "event"),
)
SPECS = {p.key: p for p in PAGES}


def page_function(spec: PageSpec) -> Callable[[], None]:
    """The page function named by `spec.target` (imported on first use)."""
    module_name, func = spec.target.split(":")
    module = importlib.import_module(f"runtime.ui.pages.{module_name}")
    fn: Callable[[], None] = getattr(module, func)
    return fn


def goto(key: str, **state: object) -> None:
    """Open page `key` on the next run, with `state` put into the session first."""
    st.session_state.update(state)
    st.session_state[GOTO_KEY] = key
    st.rerun()


def _language_switch() -> None:
    options = ["zh", "en"]
    labels = {"zh": "中文", "en": "English"}
    st.sidebar.radio(ctx.tr("app.language"), options, key=ctx.LANG_KEY,
                     format_func=labels.__getitem__, horizontal=True)


LANG_KEEP = "_lang_keep"


def _login_page() -> None:
    from runtime.ui.pages.login import login_page

    login_page()


def run() -> None:
    """Render the app for this session (called by app.py on every rerun)."""
    try:
        _run()
    except StoreUnavailable as exc:
        # The database restarted or is unreachable: say so plainly; the pool reconnects and
        # the next rerun works again without restarting the app.
        st.error(ctx.tr("app.store_unavailable", detail=str(exc)))
    except StoreDamaged as exc:
        # Damaged store files (runtime/store/embedded/journal.py refuses to open them).
        st.error(ctx.tr("app.store_damaged", detail=str(exc)))


def _run() -> None:
    # Widget state is dropped by st.switch_page (every "open" link); keep the language in a
    # plain session key as well and write it back before the radio is drawn.
    lang = st.session_state.get(ctx.LANG_KEY, st.session_state.get(LANG_KEEP, "zh"))
    st.session_state[ctx.LANG_KEY] = lang
    st.session_state[LANG_KEEP] = lang
    _language_switch()
    session = ctx.current()
    _cookie_handoff()
    if session is None:
        st.session_state.pop(GOTO_KEY, None)
        login = st.Page(_login_page, title=ctx.tr("app.page.login"), url_path="login",
                        icon=":material/login:", default=True)
        # A deep link (/case?case=…) opened signed out shows the sign-in form at that very
        # URL (a hidden page per app page); after sign-in the same URL is the real page.
        hidden = [st.Page(_login_page, title=ctx.tr("app.page.login"), url_path=p.key,
                          visibility="hidden") for p in PAGES]
        st.navigation([login, *hidden], position="hidden").run()
        return
    from runtime.ui.pages.password import change_password_page, must_change_password

    if must_change_password(session):  # a demo account on its published password (issue 18)
        change_password_page(session)
        return
    allowed = [p for p in PAGES if session.caps.can(p.capability)]
    groups: dict[str, list[st.Page]] = {}
    pages: dict[str, st.Page] = {}
    unread = _unread(session)
    for spec in allowed:
        title = ctx.tr(spec.title)
        if spec.key == "inbox" and unread:
            title = f"{title} 🔔 {unread}"  # the bell: unread messages, on every page
        page = st.Page(page_function(spec), title=title, url_path=spec.key,
                       icon=f":material/{spec.icon}:" if spec.icon else None,
                       default=spec.key == "tasks")
        pages[spec.key] = page
        groups.setdefault(ctx.tr(f"app.nav.{spec.section}"), []).append(page)
    nav = st.navigation(groups, expanded=True)  # every page in view; no "show more"
    _sidebar_user(session)
    if unread and "inbox" in pages:
        st.sidebar.page_link(pages["inbox"], label=ctx.tr("app.inbox.bell", n=unread))
    target = st.session_state.pop(GOTO_KEY, None)
    if target is not None:
        if target in pages:
            st.switch_page(pages[target])
        else:
            # Asked for a page this user may not open: refuse on the server, show why.
            st.error(ctx.tr("app.denied"))
            st.stop()
    nav.run()


def _unread(session: ctx.Session) -> int:
    from runtime.ui.pages.inbox import unread_count

    return unread_count(session.user.username) if session.caps.can("staff") else 0


def _cookie_handoff() -> None:
    # After sign-in the browser exchanges a one-time ticket for the HttpOnly session cookie
    # (runtime/ui/web.py); after logout it asks for the cookie to be dropped. Offered until
    # the ticket is used or expires, so a rerun that replaces the page cannot lose it.
    ticket = st.session_state.get(ctx.HANDOFF_KEY)
    if ticket is not None:
        if sessions.HANDOFF.pending(ticket):
            with st.sidebar:
                st.iframe(web.handoff_html(ticket), height=1, alt="session")
        else:
            st.session_state.pop(ctx.HANDOFF_KEY, None)
    if st.session_state.pop(ctx.LOGOUT_KEY, None):
        with st.sidebar:
            st.iframe(web.handoff_html(None), height=1, alt="session")


def _sidebar_user(session: ctx.Session) -> None:
    user = session.user
    prop = session.hb.property
    where = ctx.title_of(prop.meta) if prop else ctx.tr("app.company_level")
    roles = "、".join(ctx.role_title(session.hb, r) for r in user.roles)
    st.sidebar.markdown(f"**{user.name}**  \n{roles}  \n{where}")
    if st.sidebar.button(ctx.tr("app.logout"), key="logout"):
        ctx.sign_out()
        st.rerun()
