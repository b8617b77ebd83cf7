"""Session glue: cached rules and store handles, the signed-in user, language, translations.

Everything expensive is behind `st.cache_resource`: the compiled rules (one compile per
content hash, re-checked for changes at most every RULES_TTL seconds so a rerun does no
file I/O), the store handle and the user directory. Per-session state is only the username,
the language and page-local widget state.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from runtime import auth
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


def current() -> Session | None:
    """The signed-in session, or None (also when the account was removed or deactivated)."""
    username = st.session_state.get(USER_KEY)
    if not username:
        return None
    user = users().get(username)
    if user is None or not user.active:
        st.session_state.pop(USER_KEY, None)
        return None
    hb = handbook(user.property)
    return Session(user, auth.capabilities(user, hb), hb)


def sign_in(username: str, password: str) -> auth.User | None:
    """Check the password and remember the user in the session; None when refused."""
    user = users().authenticate(username, password)
    if user is not None:
        st.session_state[USER_KEY] = user.username
    return user


def sign_out() -> None:
    """Forget the signed-in user and every page's state."""
    keep = {LANG_KEY: lang()}
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
