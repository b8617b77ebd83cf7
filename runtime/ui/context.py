"""Session glue: cached rules and store handles, the signed-in user, language, translations.

Everything expensive is behind `st.cache_resource`: the compiled rules (one compile per
content hash, re-checked for changes at most every RULES_TTL seconds so a rerun does no
file I/O), the store handle and the user directory. Per-session state is only the session token
(runtime/sessions.py, checked on every run), the language and page-local widget state.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from runtime import auth, sessions, throttle
from runtime.compiler import model as m
from runtime.compiler import pipeline
from runtime.engine.service import Engine
from runtime.engine.state import Case
from runtime.engine.store_repo import StoreRepository
from runtime.errors import PermissionDenied
from runtime.i18n import DEFAULT_LANG, LANGS, pick, t
from runtime.store import Repository
from runtime.store.backends import database_url, open_configured
from runtime.versions import VersionRepo, current_tree
from runtime.versions.drafts import Drafts

DATA_ENV = "HANDBOOK_DATA"
RULES_ENV = "HANDBOOK_RULES"
FORMS_ENV = "HANDBOOK_FORMS"
RULES_TTL = 5.0  # seconds between change checks of the rule files (stat only)

USER_KEY = "auth_user"
TOKEN_KEY = "_session_token"  # this tab's session cookie value (also in the HttpOnly cookie)
HANDOFF_KEY = "_session_handoff"  # ticket the page still has to exchange for the cookie
LOGOUT_KEY = "_session_logout"  # the page still has to ask the browser to drop the cookie
LANG_KEY = "lang"


def data_dir() -> Path:
    """The data directory: $HANDBOOK_DATA, else `data/` at the project root."""
    raw = os.environ.get(DATA_ENV)
    path = Path(raw) if raw else pipeline.PROJECT_ROOT / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


@st.cache_resource(ttl=RULES_TTL, show_spinner=False)
def _live_dirs(data: str) -> tuple[Path, Path]:
    # The published version (versions/CURRENT in the data directory; the shipped rules are
    # version 1). Cached for a few seconds so a rerun reads no file.
    rules, forms, _number = current_tree(data)
    return rules, forms


def rule_dirs() -> tuple[Path, Path]:
    """The live rules and forms trees: the published version ($HANDBOOK_RULES overrides)."""
    rules = os.environ.get(RULES_ENV)
    if rules:
        forms = os.environ.get(FORMS_ENV)
        return Path(rules), Path(forms) if forms else pipeline.DEFAULT_FORMS
    return _live_dirs(str(data_dir()))


@st.cache_resource(ttl=RULES_TTL, show_spinner=False)
def _compiled(rules: str, forms: str) -> pipeline.Compiled:
    # pipeline.compiled keeps one result per content hash; this cache only spares the stat
    # walk on most reruns.
    return pipeline.compiled(rules, forms)


def compiled() -> pipeline.Compiled:
    """The compiled live rule set (cached)."""
    rules, forms = rule_dirs()
    return _compiled(str(rules), str(forms))


def refresh_rules() -> None:
    """Forget the cached live version and compile (after a publish) so the switch is at once."""
    _live_dirs.clear()
    _compiled.clear()


def drafts() -> Drafts:
    """Working copies and document control (runtime.versions) of this data directory."""
    return Drafts(data_dir())


def handbook(property_id: str | None = None) -> m.Handbook:
    """The resolved handbook of a property (the company view when None or unknown)."""
    views = compiled().views
    if property_id in views:
        return views[property_id]
    return views[None]


@st.cache_resource(show_spinner=False)
def _store(path: str, url: str | None = None) -> Repository:
    # `url` is part of the cache key: HANDBOOK_DATABASE_URL picks PostgreSQL over the
    # embedded store in <data>/store (runtime.store.backends).
    return open_configured(path)


def store() -> Repository:
    """The record store handle (one per data directory / database per process)."""
    return _store(str(data_dir()), database_url())


@st.cache_resource(show_spinner=False)
def _directory(path: str, url: str | None = None) -> auth.UserDirectory:
    directory = auth.UserDirectory(auth.StoreUserTable(_store(path, url)))
    # First start: create the bundled demo users, so `make run` needs no set-up step.
    directory.ensure_demo_users(handbook(None))
    return directory


def users() -> auth.UserDirectory:
    """The user directory (demo users created on first use)."""
    return _directory(str(data_dir()), database_url())


@st.cache_resource(show_spinner=False)
def _sessions(path: str, url: str | None = None) -> sessions.SessionStore:
    return sessions.SessionStore(_store(path, url), sessions.load_secret(Path(path)),
                                 sessions.Policy.from_env())


def session_store() -> sessions.SessionStore:
    """Sign-in sessions of this data directory (runtime/sessions.py)."""
    return _sessions(str(data_dir()), database_url())


# ---- language ----------------------------------------------------------------------------


def lang() -> str:
    """The UI language of this session (zh by default)."""
    value = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def tr(key: str, **values: object) -> str:
    """A UI string from the catalog in the session language."""
    return t(key, lang(), **values)


def text(zh: str | None, en: str | None = None) -> str:
    """Content text in the session language (English variant when present)."""
    return pick(zh, en, lang())


def title_of(meta: m.Meta) -> str:
    """A rule's display title in the session language."""
    return pick(meta.title, meta.title_en, lang())


def role_title(hb: m.Handbook, role_id: str) -> str:
    """A role's display title (the id when the role is unknown)."""
    role = hb.roles.get(role_id)
    return title_of(role.meta) if role else role_id


def person(username: str | None, hb: m.Handbook, role: str | None = None) -> str:
    """A person as colleagues know them: "王芳（客户助理）" — the user's display name and the
    title of `role` (else their first role) in the property's view `hb`; the username when
    the account is unknown, "" for None."""
    if not username:
        return ""
    user = users().get(username)
    if user is None:
        return username
    role_id = role if role in user.roles else next(
        (r for r in user.roles if r in hb.roles), user.roles[0] if user.roles else None)
    if role_id is None:
        return user.name
    return tr("ws.person", name=user.name, role=role_title(hb, role_id))


def role_people(role: str, property_id: str | None) -> list[str]:
    """Display names of the active accounts holding `role` at `property_id` (sorted), so a
    hand-over names people, not only a role."""
    return sorted(u.name for u in users().list()
                  if u.active and role in u.roles and u.property == property_id)


# ---- the signed-in user ------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """The signed-in user, their capabilities and the rules of their property."""

    user: auth.User
    caps: auth.Capabilities
    hb: m.Handbook

    def handbook_for(self, property_id: str | None) -> m.Handbook:
        """The rules of a property the user may see (PermissionDenied otherwise)."""
        if property_id is not None and not self.caps.may_see_property(property_id):
            raise PermissionDenied(f"{self.user.username} may not see {property_id}")
        return handbook(property_id)


def _cookie() -> str | None:
    # The cookie of the request that opened this tab (read-only in Streamlit; set by the
    # route in runtime/ui/web.py). None outside a browser (AppTest, bare scripts).
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except (AttributeError, RuntimeError, KeyError):
        return None
    return value if isinstance(value, str) else None


def current() -> Session | None:
    """The signed-in session, or None. Checked on every run: the session token (this tab's,
    else the browser's cookie) must be valid, unrevoked and not idle too long, and the
    account must still exist and be active."""
    token = st.session_state.get(TOKEN_KEY) or _cookie()
    checked = session_store().check(token) if token else None
    user = users().get(checked.username) if checked else None
    if user is None or not user.active:
        if checked is not None:
            session_store().revoke(token)
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state.pop(USER_KEY, None)
        return None
    st.session_state[TOKEN_KEY] = token
    st.session_state[USER_KEY] = user.username
    hb = handbook(user.property)
    return Session(user, auth.capabilities(user, hb), hb)


@st.cache_resource(show_spinner=False)
def _throttle(path: str, url: str | None = None) -> throttle.Throttle:
    return throttle.Throttle(_store(path, url))


def sign_in_throttle() -> throttle.Throttle:
    """Failed sign-in counters and locks (runtime/throttle.py) on this data's store."""
    return _throttle(str(data_dir()), database_url())


def _client() -> str:
    with contextlib.suppress(AttributeError, RuntimeError):  # no browser (AppTest)
        return str(st.context.ip_address or "")
    return ""


def sign_in_attempt(username: str, password: str) -> throttle.Outcome:
    """One throttled sign-in; on success the session starts as `sign_in` describes."""
    outcome = sign_in_throttle().attempt(users(), username, password, _client())
    if outcome.user is not None:
        _start_session(outcome.user)
    return outcome


def sign_in(username: str, password: str) -> auth.User | None:
    """Check the password (throttled), start a server-side session for this tab and queue the
    hand-off that gives the browser its cookie; None when refused."""
    return sign_in_attempt(username, password).user


def _start_session(user: auth.User) -> None:
    agent = ""
    with contextlib.suppress(AttributeError, RuntimeError):  # no browser (AppTest)
        agent = str(st.context.headers.get("user-agent") or "")
    token = session_store().create(user.username, user_agent=agent)
    st.session_state[TOKEN_KEY] = token
    st.session_state[USER_KEY] = user.username
    st.session_state[HANDOFF_KEY] = sessions.HANDOFF.issue(token)


def sign_out() -> None:
    """End the session at once (server side), forget every page's state, and ask the
    browser to drop its cookie."""
    token = st.session_state.get(TOKEN_KEY) or _cookie()
    if token:
        session_store().revoke(token)
    keep = {LANG_KEY: lang(), LOGOUT_KEY: True}
    st.session_state.clear()
    st.session_state.update(keep)


def guard(capability: str) -> Session:
    """Server-side permission check at the top of every page: stops the page when refused."""
    session = current()
    try:
        auth.require(session.caps if session else None, capability)
    except PermissionDenied:
        st.error(tr("app.denied"))
        st.stop()
    assert session is not None
    return session


PageFn = Callable[[], None]


def pinned_procedure(engine: Engine, data: str, case: Case) -> m.Procedure:
    """The procedure version a case started on: found among the published versions by the
    rule-set hash the case carries (a case started under v1 finishes under v1)."""
    hb = handbook(case.property)
    proc = hb.procedures.get(case.procedure_id)
    if hb.content_hash == case.ruleset_hash and proc is not None:
        return proc
    for info in reversed(VersionRepo(data).all()):
        comp = pipeline.compiled(info.rules, info.forms)  # cached per content hash
        if comp.content_hash != case.ruleset_hash:
            continue
        view = comp.views.get(case.property) or comp.views.get(None)
        old = view.procedures.get(case.procedure_id) if view else None
        if old is not None:
            return old
    return engine.current_procedure(case)  # same procedure version, or a clear EngineError


@st.cache_resource(show_spinner=False)
def _engine(path: str, url: str | None = None) -> Engine:
    engine = Engine(StoreRepository(_store(path, url)), handbook)
    engine.procedure_for = functools.partial(pinned_procedure, engine, path)
    return engine


def engine() -> Engine:
    """The case engine on the store of this data directory (one per process)."""
    return _engine(str(data_dir()), database_url())
