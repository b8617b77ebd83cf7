"""Users, hashed passwords, capabilities from the rules, and masking of personal data.

No Streamlit here: the app (runtime/ui) asks this module who a user is and what they may do,
and every page calls `require()` before it renders anything. New password hashes are
argon2id (argon2-cffi, the OWASP first choice) in its standard `$argon2id$v=19$m=…` text;
older PBKDF2-SHA256 hashes (`pbkdf2_sha256$iterations$salt$hash`) still verify and are replaced
by argon2id at the next successful sign-in (`needs_rehash`). Throttling of failed sign-ins is
runtime/throttle.py.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from runtime.compiler import model as m
from runtime.errors import PermissionDenied, StoreError
from runtime.masking import for_viewer, mask_value, personal_paths

ALGORITHM = "pbkdf2_sha256"
# OWASP's 2023 figure is 600k; 200k keeps first start (19 demo users) and login under a second
# on the 2-core target machine. Stored per hash, so raising it later is safe.
DEFAULT_ITERATIONS = 200_000
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,40}$")
# Deliberately loose (one @, a dot in the domain, no spaces): the mail server is the judge.
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD = 6

# Capabilities the app checks. "staff" is every signed-in user; the others come from
# `company.access` in the rules (roles listed there get the capability).
CAPABILITIES = ("staff", "train", "administer", "dashboard", "all_properties")


def _iterations() -> int:
    # Tests lower the cost through the environment; the count is stored in each hash.
    raw = os.environ.get("HANDBOOK_PBKDF2_ITERATIONS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_ITERATIONS


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


@functools.lru_cache(maxsize=4)
def _argon2(memory_kib: int, time_cost: int) -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def _hasher() -> Any:
    # argon2-cffi's defaults (64 MiB, 3 passes); tests lower them through the environment.
    # The parameters are stored in each hash, so changing them later upgrades at sign-in.
    return _argon2(_env_int("HANDBOOK_ARGON2_MEMORY_KIB", 65536),
                   _env_int("HANDBOOK_ARGON2_TIME", 3))


def hash_password(password: str, *, salt: str | None = None, iterations: int | None = None) -> str:
    """An argon2id hash of `password`; with `salt` or `iterations`, the legacy PBKDF2-SHA256
    format (kept for reading old data and its tests)."""
    if salt is None and iterations is None:
        return str(_hasher().hash(password))
    n = iterations or _iterations()
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), n)
    return f"{ALGORITHM}${n}${salt}${digest.hex()}"


def needs_rehash(stored: str) -> bool:
    """True for a PBKDF2 hash, or an argon2 hash made with other parameters than today's."""
    if not stored.startswith("$argon2"):
        return True
    try:
        return bool(_hasher().check_needs_rehash(stored))
    except Exception:  # an unreadable hash: replace it once the password is known
        return True


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a stored argon2id or PBKDF2 hash (constant-time)."""
    if stored.startswith("$argon2"):
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            return bool(_hasher().verify(stored, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
            return False
    try:
        algorithm, n, salt, expected = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac(
            "sha256", password.encode("utf-8"), salt.encode("ascii"), int(n)
        )
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


@dataclass(frozen=True)
class User:
    """A person who signs in: their rule roles and the property they work at."""

    username: str
    name: str
    roles: tuple[str, ...]
    property: str | None  # None: company level (sees every property if access allows)
    password_hash: str = field(repr=False, default="")
    active: bool = True
    demo: bool = False
    # How to reach the person (notifications, runtime/notify); optional, empty when unknown.
    phone: str = ""
    email: str = ""
    lang: str = "zh"  # the language of the e-mails and robot messages sent to them

    def to_doc(self) -> dict[str, Any]:
        """JSON-ready document for the users table."""
        return {
            "username": self.username,
            "name": self.name,
            "roles": list(self.roles),
            "property": self.property,
            "password_hash": self.password_hash,
            "active": self.active,
            "demo": self.demo,
            "phone": self.phone,
            "email": self.email,
            "lang": self.lang,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> User:
        """Rebuild from a users-table document."""
        return cls(
            username=str(doc["username"]),
            name=str(doc.get("name") or doc["username"]),
            roles=tuple(str(r) for r in doc.get("roles") or ()),
            property=doc.get("property") or None,
            password_hash=str(doc.get("password_hash") or ""),
            active=bool(doc.get("active", True)),
            demo=bool(doc.get("demo", False)),
            phone=str(doc.get("phone") or ""),
            email=str(doc.get("email") or ""),
            lang="en" if doc.get("lang") == "en" else "zh",
        )


@dataclass(frozen=True)
class Capabilities:
    """What one user may do, computed from the rules' access lists and role flags."""

    user: User
    allowed: frozenset[str]
    sees_personal_data: bool
    properties: tuple[str, ...]  # properties whose cases and records the user may see

    def can(self, capability: str) -> bool:
        """Whether the user has `capability` (see CAPABILITIES)."""
        return capability in self.allowed

    def may_see_property(self, property_id: str | None) -> bool:
        """Whether records of `property_id` are visible to the user."""
        return property_id in self.properties


def capabilities(user: User, hb: m.Handbook) -> Capabilities:
    """Capabilities of `user` under the rules `hb` (company.access and roles' flags)."""
    access = hb.company.access
    allowed = {"staff"} if user.active else set()
    if user.active:
        for cap in CAPABILITIES[1:]:
            if access.allows(cap, user.roles):
                allowed.add(cap)
    # Document control (the versions page): administrators and every role that drafts,
    # reviews or approves rule changes (a reviewer need not administer rules).
    if user.active and ("administer" in allowed
                        or set(user.roles) & hb.company.document_control.roles()):
        allowed.add("control")
    sees = any(hb.roles[r].sees_personal_data for r in user.roles if r in hb.roles)
    if "all_properties" in allowed:
        props = tuple(hb.properties)
    elif user.property:
        props = (user.property,)
    else:
        props = ()
    # A company-level role serving several properties (serves: all | [ids], issue 19) sees
    # the cases and tasks of exactly those properties.
    for rid in user.roles if user.active else ():
        role = hb.roles.get(rid)
        if role is not None and role.serves is not None:
            served = hb.properties if "all" in role.serves else role.serves
            props += tuple(p for p in served if p in hb.properties and p not in props)
    return Capabilities(user, frozenset(allowed), sees, props)


def require(caps: Capabilities | None, capability: str) -> Capabilities:
    """Raise PermissionDenied unless `caps` has `capability`; returns `caps` for chaining."""
    if caps is None or not caps.can(capability):
        who = caps.user.username if caps else "anonymous"
        raise PermissionDenied(f"{who} may not use {capability}")
    return caps


# ---- masking -------------------------------------------------------------------------------


def mask(value: Any) -> Any:
    """Mask a personal value (the one rule of runtime.masking: 138****5678)."""
    return mask_value(value)


def personal_fields(form: m.Form) -> tuple[str, ...]:
    """Every field of a form marked `personal`, nested ones as paths (`workers[].id_no`)."""
    return tuple(sorted(personal_paths(form)))


def mask_record(data: Mapping[str, Any], form: m.Form, caps: Capabilities) -> dict[str, Any]:
    """A copy of record data with personal fields masked (at any depth) unless the user may
    see them."""
    return for_viewer(form, data, caps.sees_personal_data)


# ---- users table -------------------------------------------------------------------------


class UserTable(Protocol):
    """The storage a UserDirectory needs: documents keyed by username."""

    def get_user(self, username: str) -> dict[str, Any] | None:
        """The document of one user, or None."""

    def put_user(self, doc: dict[str, Any]) -> None:
        """Insert or replace the document of `doc['username']`."""

    def all_users(self) -> list[dict[str, Any]]:
        """Every user document."""


class StoreUserTable:
    """A UserTable on the record store's `users` table (any runtime.store Repository)."""

    TABLE = "users"

    def __init__(self, repo: Any) -> None:
        self._repo = repo
        repo.ensure_index(self.TABLE, "username")

    def get_user(self, username: str) -> dict[str, Any] | None:
        """The document of one user, or None."""
        hits = self._repo.find(self.TABLE, username=username)
        return dict(hits[0]) if hits else None

    def put_user(self, doc: dict[str, Any]) -> None:
        """Insert or replace the document of `doc['username']` (in one transaction)."""
        with self._repo.transaction():
            hits = self._repo.find(self.TABLE, username=doc["username"])
            if hits:
                self._repo.update(self.TABLE, hits[0]["id"], doc, by=doc["username"],
                                  at=datetime.now())
            else:
                self._repo.insert(self.TABLE, doc)

    def all_users(self) -> list[dict[str, Any]]:
        """Every user document."""
        return [dict(d) for d in self._repo.all(self.TABLE)]


class UserDirectory:
    """Accounts: sign-in, creation, role and password changes, the bundled demo users."""

    def __init__(self, table: UserTable) -> None:
        self._table = table

    def get(self, username: str) -> User | None:
        """The user called `username`, or None."""
        doc = self._table.get_user(username)
        return User.from_doc(doc) if doc else None

    def list(self) -> builtins.list[User]:
        """Every user, sorted by property then username."""
        users = [User.from_doc(d) for d in self._table.all_users()]
        return sorted(users, key=lambda u: (u.property or "", u.username))

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches and the account is active, else None. A correct
        password on an old (PBKDF2) hash is re-hashed with argon2id on the spot."""
        user = self.get(username.strip())
        if user is None or not user.active:
            # Verify anyway so a wrong username costs as much as a wrong password.
            verify_password(password, _dummy_hash())
            return None
        if not verify_password(password, user.password_hash):
            return None
        if needs_rehash(user.password_hash):
            user = replace(user, password_hash=hash_password(password))
            doc = self._table.get_user(user.username) or {}
            kept = {k: v for k, v in doc.items() if k not in ("id", "rev", "_rev")}
            self._table.put_user({**kept, "password_hash": user.password_hash})
        return user

    def change_password(self, username: str, old: str, new: str) -> User:
        """Set a new password after checking the old one; ValueError when refused (wrong old
        password, too short, unchanged, or the published demo password)."""
        user = self.get(username)
        if user is None or not verify_password(old, user.password_hash):
            raise ValueError("wrong password")
        if new in (old, DEMO_PASSWORD):
            raise ValueError("choose a password different from the old and the demo one")
        return self.save(user, new)

    def save(self, user: User, password: str | None = None) -> User:
        """Create or update a user; a new user needs a password (at least MIN_PASSWORD long)."""
        if not USERNAME_RE.match(user.username):
            raise ValueError(f"invalid username {user.username!r}")
        if not user.roles:
            raise ValueError("a user needs at least one role")
        if user.email and not EMAIL_RE.match(user.email):
            raise ValueError(f"invalid email {user.email!r}")
        existing = self.get(user.username)
        if password is not None:
            if len(password) < MIN_PASSWORD:
                raise ValueError(f"password shorter than {MIN_PASSWORD} characters")
            user = replace(user, password_hash=hash_password(password))
        elif existing is not None:
            user = replace(user, password_hash=existing.password_hash)
        else:
            raise ValueError("a new user needs a password")
        self._table.put_user(user.to_doc())
        return user

    def ensure_demo_users(self, hb: m.Handbook) -> builtins.list[User]:
        """Create the bundled demo users that do not exist yet; returns those created."""
        created = []
        for spec in demo_users(hb):
            doc = self._table.get_user(spec.user.username)
            if doc is None:
                created.append(self.save(spec.user, spec.password))
            elif doc.get("demo") and _legacy_demo_name(str(doc.get("name") or ""), hb):
                # Data made before demo users had people's names: rename, keep the rest.
                kept = {k: v for k, v in doc.items() if k not in ("id", "rev")}
                self._table.put_user({**kept, "name": spec.user.name})
        return created


@functools.lru_cache(maxsize=1)
def _dummy_hash_for(params: tuple[str, str]) -> str:
    return hash_password(secrets.token_hex(16))


def _dummy_hash() -> str:
    # One hash with today's parameters, so an unknown name costs one argon2 verify too.
    return _dummy_hash_for((os.environ.get("HANDBOOK_ARGON2_MEMORY_KIB", ""),
                            os.environ.get("HANDBOOK_ARGON2_TIME", "")))


# ---- demo users --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    """A bundled account with its published password and what it is for."""

    user: User
    password: str
    purpose: str


# Per property: (username prefix, display name, roles, purpose). Roles are rule role ids;
# a role missing from the rules is skipped so the demo set follows the bundled handbook.
_PER_PROPERTY: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("frontdesk", "前台接待", ("front-desk",), "staff: files complaints"),
    ("assistant", "客户助理", ("customer-assistant",), "staff: works cases"),
    ("supervisor", "客服主管", ("service-centre-supervisor",), "supervisor, trainer, dashboard"),
    ("duty", "值班员", ("duty-officer",), "staff: duty log, handover"),
    ("trainer", "培训主管", ("general-affairs-supervisor",), "trainer (and administrator)"),
    ("admin", "管理处经理", ("office-manager",), "administrator, dashboard"),
)
DEMO_PASSWORD = "demo1234"


@functools.lru_cache(maxsize=256)
def _published(password_hash: str) -> bool:
    return verify_password(DEMO_PASSWORD, password_hash)


def uses_published_password(user: User) -> bool:
    """A bundled demo account still on the password published in the README (checked once
    per stored hash): it must choose its own before working, unless the app runs as a demo."""
    return user.demo and bool(user.password_hash) and _published(user.password_hash)


def demo_mode() -> bool:
    """True when the app was started as a demo (`make run` sets HANDBOOK_DEMO=1): demo
    accounts may keep their published password."""
    return os.environ.get("HANDBOOK_DEMO", "").strip().lower() in ("1", "true", "yes")
# Demo people have people's names (not role names), so 接待人 and the case log read as at a
# real front desk; one name per property in sorted property order, cycling.
_DEMO_NAMES: dict[str, tuple[str, ...]] = {
    "frontdesk": ("李静", "陈晓燕", "周敏", "钱丽"),
    "assistant": ("王芳", "刘洋", "孙丽", "冯涛"),
    "supervisor": ("张伟", "赵磊", "黄婷", "韩雪"),
    "duty": ("吴强", "郑浩", "何军", "曹阳"),
    "trainer": ("杨秀英", "林娜", "徐梅", "彭静"),
    "admin": ("马建国", "高峰", "罗平", "谢东"),
}
DEMO_QUALITY_NAME = "郭志明"


def _short(property_id: str) -> str:
    return property_id.split("-")[0]


def demo_users(hb: m.Handbook) -> list[DemoUser]:
    """The bundled demo accounts for the properties and roles of `hb` (company view)."""
    out: list[DemoUser] = []
    for i, (pid, _prop) in enumerate(sorted(hb.properties.items())):
        for prefix, _title, roles, purpose in _PER_PROPERTY:
            if not all(r in hb.roles for r in roles):
                continue
            names = _DEMO_NAMES[prefix]
            user = User(f"{prefix}.{_short(pid)}", names[i % len(names)], roles, pid,
                        demo=True)
            out.append(DemoUser(user, DEMO_PASSWORD, purpose))
    if "quality-officer" in hb.roles:
        user = User("quality", DEMO_QUALITY_NAME, ("quality-officer",), None, demo=True)
        out.append(DemoUser(user, DEMO_PASSWORD, "company level: every property, dashboard"))
    # Company-level document control (issue 11): 综合部 drafts company rules, 品质部 (above)
    # reviews, the deputy general manager approves.
    for name, role, purpose in (
            ("general", "general-affairs-supervisor", "company level: drafts company rules"),
            ("gm", "deputy-general-manager", "company level: approves company rule changes")):
        if role in hb.roles:
            user = User(name, f"{hb.roles[role].title} (公司)", (role,), None, demo=True)
            out.append(DemoUser(user, DEMO_PASSWORD, purpose))
    return out


def _legacy_demo_name(name: str, hb: m.Handbook) -> bool:
    # Old demo names were "<role title> (<property title>)" or the quality officer's title.
    titles = {r.title for r in hb.roles.values() if r.title}
    return name in titles or any(name.startswith(f"{t} (") for t in titles)


def check_roles(roles: Iterable[str], hb: m.Handbook) -> list[str]:
    """Role ids not defined in the rules (for the user administration page)."""
    return [r for r in roles if r not in hb.roles]


__all__ = [
    "Capabilities",
    "DemoUser",
    "PermissionDenied",
    "StoreError",
    "StoreUserTable",
    "User",
    "UserDirectory",
    "capabilities",
    "demo_users",
    "hash_password",
    "mask",
    "mask_record",
    "require",
    "verify_password",
]
