"""Stage 1, load: rule files → plain data that remembers the line of every key.

YAML is composed into nodes and constructed here by hand rather than by PyYAML's constructor so
that: every mapping and list remembers where each entry stood (LocDict / LocList); a duplicate
key is an error; any tag beyond the plain YAML types (`!!python/object`, custom `!tags`) is an
error and is never executed; and the YAML 1.1 traps are closed (`14:30` is not the integer 870,
`no` is not False, `2026-01-01` stays the text the author wrote).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from runtime.compiler.model import Loc
from runtime.errors import KeyPath, RuleError

MAX_NODES = 200_000  # guards against alias bombs ("billion laughs")
MAX_FILE_BYTES = 2_000_000


class LocDict(dict[str, Any]):
    """A dict that remembers the location of itself and of each of its keys."""

    loc: Loc
    locs: dict[str, Loc]
    # Set on a file's root mapping only: warnings the loader met (an unquoted time, ...).
    warnings: list[RuleError]

    def __init__(self, *args: Any, loc: Loc | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loc = loc or Loc("<generated>", 0, 0)
        self.locs = {}
        self.warnings = []


class LocList(list[Any]):
    """A list that remembers the location of itself and of each item."""

    loc: Loc
    locs: list[Loc]

    def __init__(self, *args: Any, loc: Loc | None = None) -> None:
        super().__init__(*args)
        self.loc = loc or Loc("<generated>", 0, 0)
        self.locs = []


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2-like implicit typing: no sexagesimal numbers, no yes/no booleans, no dates."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|0o[0-7_]+)$"),
    list("-+0123456789"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


class _ComposeLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Resolver,
):
    """Only composes nodes; construction is ours."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Resolver.__init__(self)


_LOADER: type = _ComposeLoader
if yaml.__with_libyaml__:
    from yaml._yaml import CParser as _CParser

    class _CComposeLoader(_CParser, _Resolver):
        """libyaml's parser (about 10x faster) with our resolver; same nodes, same marks."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Resolver.__init__(self)

    _LOADER = _CComposeLoader


_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class _LoadFailed(Exception):
    def __init__(self, error: RuleError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class RawDoc:
    """One loaded rule file: its kind, id, data (LocDict) and file-relative location."""

    file: str
    data: LocDict
    text_hash: str

    @property
    def kind(self) -> str:
        """The declared `kind:` (empty when missing)."""
        value = self.data.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def id(self) -> str:
        """The declared `id:` (empty when missing)."""
        value = self.data.get("id")
        return value if isinstance(value, str) else ""

    @property
    def scope(self) -> str | None:
        """The property this rule belongs to, or None for the company base."""
        if self.kind == "property":
            return self.id or None
        value = self.data.get("property")
        return value if isinstance(value, str) else None


@dataclass
class LoadResult:
    """Every document that loaded, plus every error met while loading."""

    docs: list[RawDoc] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    content_hash: str = ""
    # Files that did not load → the id they declare (read with a regex), so that references
    # to it elsewhere are not reported as unknown: one note instead of a cascade.
    failed: dict[str, str] = field(default_factory=dict)


class _Builder:
    """Turns a composed node tree into LocDict/LocList/scalars, checking as it goes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.warnings: list[RuleError] = []

    def loc(self, node: Node) -> Loc:
        return Loc(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: Node, code: str, message: str, path: KeyPath) -> _LoadFailed:
        loc = self.loc(node)
        return _LoadFailed(RuleError(self.file, loc.line, loc.col, code, message, path))

    def build(self, node: Node, path: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, "E004", "document too large (alias expansion?)", path)
        tag = node.tag
        if tag not in _PLAIN_TAGS:
            raise self.fail(
                node, "E003", f"tag {tag!r} is not allowed: rule files hold plain data only", path
            )
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            out = LocList(loc=self.loc(node))
            if node.flow_style:
                self._flow_sequence_slips(node, path)
            for i, item in enumerate(node.value):
                out.append(self.build(item, (*path, i)))
                out.locs.append(self.loc(item))
            return out
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _flow_sequence_slips(self, node: SequenceNode, path: KeyPath) -> None:
        # `[a， b]` is one item "a， b" to YAML; ids never hold a full-width comma.
        for i, item in enumerate(node.value):
            if isinstance(item, ScalarNode) and not item.style and "，" in item.value:
                parts = [p.strip() for p in item.value.split("，")]
                if all(_ID_LIKE.match(p) for p in parts):
                    loc = self.loc(item)
                    raise _LoadFailed(RuleError(
                        self.file, loc.line, loc.col + item.value.index("，"), "E001",
                        f"YAML syntax error: {item.value!r} is one item, not {len(parts)}",
                        (*path, i), hint=HINT_FW_COMMA))

    def _flow_mapping_slips(self, node: MappingNode, path: KeyPath) -> None:
        # `{no: 4, text: 处理日常事务,确保…}`: the half-width comma ends the value and the rest
        # of the sentence becomes a key without a value.
        for key_node, value_node in node.value:
            if (isinstance(key_node, ScalarNode) and not key_node.style
                    and _CJK.search(key_node.value) and isinstance(value_node, ScalarNode)
                    and value_node.value == "" and not value_node.style):
                loc = self.loc(key_node)
                raise _LoadFailed(RuleError(
                    self.file, loc.line, loc.col, "E001",
                    f"YAML syntax error: text {key_node.value!r} was cut off by a half-width "
                    "comma inside { }", (*path, key_node.value),
                    hint=HINT_FLOW_COMMA.format(key=key_node.value)))

    def _mapping(self, node: MappingNode, path: KeyPath) -> LocDict:
        out = LocDict(loc=self.loc(node))
        if node.flow_style:
            self._flow_mapping_slips(node, path)
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or (
                isinstance(key_node, ScalarNode) and key_node.value == "<<" and not key_node.style
            ):
                raise self.fail(key_node, "E003", "merge keys (<<) are not supported", path)
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, "E005", "mapping keys must be plain text", path)
            key = self._scalar(key_node, path)
            key = "null" if key is None else str(key).lower() if isinstance(key, bool) else key
            key = str(key)
            if key in out:
                first = out.locs[key]
                raise self.fail(
                    key_node,
                    "E002",
                    f"duplicate key {key!r} (first defined at line {first.line})",
                    (*path, key),
                )
            out[key] = self.build(value_node, (*path, key))
            out.locs[key] = self.loc(key_node)
        return out

    def _scalar(self, node: ScalarNode, path: KeyPath) -> Any:
        tag, value = node.tag, node.value
        if tag not in _PLAIN_TAGS:
            raise self.fail(node, "E003", f"tag {tag!r} is not allowed", path)
        if tag == _STR:
            if not node.style and _TIME.match(value):
                loc = self.loc(node)
                hours, minutes = value.split(":")[:2]
                self.warnings.append(RuleError(
                    self.file, loc.line, loc.col, "W001", f"unquoted time {value}", path,
                    severity="warning", hint=HINT_TIME.format(
                        value=value, minutes=int(hours) * 60 + int(minutes))))
            return value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() == "true"
        if tag == "tag:yaml.org,2002:int":
            try:
                return int(value.replace("_", ""), 0)
            except ValueError as exc:
                raise self.fail(node, "E001", f"bad integer {value!r}", path) from exc
        if tag == "tag:yaml.org,2002:float":
            try:
                return float(value.replace("_", ""))
            except ValueError as exc:
                raise self.fail(node, "E001", f"bad number {value!r}", path) from exc
        raise self.fail(node, "E003", f"tag {tag!r} is not allowed", path)  # pragma: no cover


def parse_text(text: str, file: str) -> LocDict:
    """Parse one YAML document; raises `_LoadFailed` (wrapping a RuleError) on any problem."""
    loader: Any = None
    try:
        loader = _LOADER(text)  # the reader rejects control characters here already
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        line, col = _position(text, exc.position)
        reason = f"character {exc.character!r} is not allowed in YAML"
        raise _LoadFailed(RuleError(file, line, col, "E001", reason)) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        reason = exc.problem or "YAML error"
        if "expected a single document" in str(exc):
            reason = "one rule per file: found a second YAML document"
        first = exc.context_mark.line + 1 if exc.context_mark else line
        found = syntax_hint(text, min(first, line - 1), line)
        if found is not None:  # point at the slip itself, not where the parser gave up
            line, col, hint = found
        else:
            hint = ""
        error = RuleError(file, line, col, "E001", f"YAML syntax error: {reason}", hint=hint)
        raise _LoadFailed(error) from exc
    except yaml.YAMLError as exc:
        raise _LoadFailed(RuleError(file, 1, 1, "E001", f"YAML error: {exc}")) from exc
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise _LoadFailed(RuleError(file, 1, 1, "E006", "empty file: expected a rule mapping"))
    builder = _Builder(file)
    data = builder.build(node, ())
    if not isinstance(data, LocDict):
        raise _LoadFailed(
            RuleError(file, node.start_mark.line + 1, 1, "E006", "a rule file must be a mapping")
        )
    data.warnings = builder.warnings
    return data


# ---- hints for the slips Chinese authors make (issue 11 item 5) -----------------------------

_FW_COLON_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z0-9_-]+)\s*：")
_NO_SPACE_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z][A-Za-z0-9_-]*):(?=[^\s/:])")
_FW_PUNCT_SYNTAX = re.compile(r"[\[{][^\]}]*，")
_DECLARED_ID = re.compile(r"^id\s*[:：]\s*[\"']?([A-Za-z0-9_-]+)", re.M)
_ID_LIKE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TIME = re.compile(r"^[1-9]\d?:[0-5]\d$")  # YAML 1.1 sexagesimal: 8:30, 17:30 (not 08:30)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")

HINT_FW_COLON = ("full-width colon '：' after the key {key!r}: YAML needs a half-width ':' "
                 "followed by a space ({key}: ...)")
HINT_NO_SPACE = "missing space after ':' in {key!r}: write '{key}: {rest}'"
HINT_TAB = "a tab character: YAML indents with spaces only (use 2 spaces)"
HINT_FW_QUOTES = ("full-width quotes “ ” are text to YAML, not quotes: use half-width \" \" "
                  "around a value that holds ':' or starts with a quote")
HINT_FW_COMMA = ("full-width comma '，' where YAML expects a separator: use a half-width ',' "
                 "between the items of [ ] or { }")
HINT_FLOW_COLON = ("half-width ': ' inside a { } mapping starts a new key: put the text in "
                   "quotes (text: \"…: …\") or use a full-width colon '：'")
HINT_FLOW_COMMA = ("half-width ',' inside a {{ }} mapping split the text: {key!r} became a key of "
                   "its own. Put the text in quotes (text: \"…,{key}\") or use a full-width "
                   "comma '，'")
HINT_TIME = ("unquoted time {value!r}: write \"{value}\" in quotes (YAML 1.1 tools, such as "
             "editors, read {value} as the number {minutes})")


def syntax_hint(text: str, first: int, last: int) -> tuple[int, int, str] | None:
    """(line, column, hint) for a recognised slip on lines `first`..`last` (1-based), if any."""
    lines = text.splitlines()
    for no in range(max(first, 1), min(last, len(lines)) + 1):
        line = lines[no - 1]
        if "\t" in line:
            return no, line.index("\t") + 1, HINT_TAB
        m = _FW_COLON_KEY.match(line)
        if m:
            return no, line.index("：") + 1, HINT_FW_COLON.format(key=m.group(1))
        m = _NO_SPACE_KEY.match(line)
        if m and not line.rstrip().endswith(":"):
            rest = line[m.end():].strip()
            return no, m.end(), HINT_NO_SPACE.format(key=m.group(1), rest=rest)
        if "“" in line or "”" in line:
            return no, (line.find("“") if "“" in line else line.find("”")) + 1, HINT_FW_QUOTES
        if _FW_PUNCT_SYNTAX.search(line):
            return no, line.index("，") + 1, HINT_FW_COMMA
        if "{" in line and re.search(r"\{[^}]*:\s[^},]*:\s", line):
            end = line.rindex("}") if "}" in line else len(line)
            return no, line.rindex(": ", 0, end) + 1, HINT_FLOW_COLON
    return None


def _position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def load_text(text: str, file: str) -> tuple[LocDict | None, RuleError | None]:
    """Parse one document; returns (data, None) or (None, error). Never raises."""
    try:
        return parse_text(text, file), None
    except _LoadFailed as failed:
        return None, failed.error
    except RecursionError:
        return None, RuleError(file, 1, 1, "E004", "document nested too deeply")


RULE_SUFFIXES = frozenset({".yaml", ".yml"})


def _unreadable_mode(mode: int) -> bool:
    # No read bit for anyone: an error even when running as root (root could read it, but the
    # app's own user could not), so `handbook check` gives the same answer for everyone.
    return not mode & 0o444


def iter_rule_files(*roots: Path) -> Iterator[Path]:
    """Every .yaml/.yml file under the roots, sorted for stable output.

    The walk never follows a symlinked directory and never opens anything: entries that cannot
    be rule files safely (a symlink to a directory, a directory that cannot be listed, a FIFO
    or device named `x.yaml`) are yielded too, so `load_files` reports them (E007) instead of
    their being skipped silently."""
    for root in roots:
        if root.is_file():
            yield root
            continue
        if not root.is_dir():
            continue
        yield from sorted(_walk(root))


def _walk(top: Path) -> Iterator[Path]:
    todo = [top]
    while todo:
        folder = todo.pop()
        try:
            if _unreadable_mode(folder.stat().st_mode):
                raise PermissionError("no read permission")
            entries = list(os.scandir(folder))
        except OSError:
            yield folder  # reported by load_files as a directory that cannot be listed
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    if path.suffix in RULE_SUFFIXES or _is_dir_target(path):
                        yield path  # checked (loops, links out, targets) when read
                    continue
                if entry.is_dir(follow_symlinks=False):
                    todo.append(path)
                elif path.suffix in RULE_SUFFIXES:
                    yield path
            except OSError:
                yield path


def _is_dir_target(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, RuntimeError):
        return True  # a loop: report it


class UnsafeFile(Exception):
    """A rule path that is not read: `code` (E004/E007) and a message for the author."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a directory"))


def _kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_rule_bytes(path: Path, within: Path | None = None,
                    limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of one rule file, read safely; UnsafeFile when it must not be read.

    Only regular files; a symlink must resolve inside `within` (the tree) and must not loop;
    the size limit is checked before reading and the read is bounded, and the file is opened
    non-blocking, so a FIFO or /dev/zero swapped in after the check can neither hang nor
    fill memory. A file without read permission is an error, never skipped."""
    try:
        link = path.lstat()
    except OSError as exc:
        raise UnsafeFile("E007", f"cannot read file: {exc.strerror or exc}") from None
    if stat.S_ISLNK(link.st_mode):
        try:
            target = path.resolve(strict=True)
        except RuntimeError:
            raise UnsafeFile("E007", "symlink loop (the link points back to itself)") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnsafeFile("E007", "symlink loop (the link points back to itself)") \
                    from None
            raise UnsafeFile("E007", "broken symlink (its target does not exist)") from None
        if within is not None and not _inside(target, within):
            raise UnsafeFile("E007", "symlink pointing outside the rules tree (not followed)")
    try:
        st = path.stat()
    except (OSError, RuntimeError) as exc:
        raise UnsafeFile("E007", f"cannot read file: {exc}") from None
    if stat.S_ISDIR(st.st_mode) and stat.S_ISLNK(link.st_mode):
        raise UnsafeFile("E007", "symlinked directory (not followed: move the files into "
                         "the tree instead)")
    if stat.S_ISDIR(st.st_mode):
        raise UnsafeFile("E007", "directory cannot be listed (no read permission)")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile("E007", f"not a regular file: {_kind_of(st.st_mode)}")
    if _unreadable_mode(st.st_mode):
        raise UnsafeFile("E007", "cannot read file: no read permission")
    if st.st_size > limit:
        raise UnsafeFile("E004", f"file larger than {limit // 1_000_000} MB")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise UnsafeFile("E007", f"cannot read file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the check
            raise UnsafeFile("E007", "not a regular file")
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise UnsafeFile("E004", f"file larger than {limit // 1_000_000} MB")
    return raw


def _inside(target: Path, root: Path) -> bool:
    try:
        target.relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def display_path(path: Path, base: Path | None) -> str:
    """The path shown in errors: relative to `base` when possible, with forward slashes."""
    if base is not None:
        for shown in (path, path.absolute()):
            try:
                # Lexical first: a symlink (even a looping one) is shown where it stands.
                return shown.absolute().relative_to(base.resolve()).as_posix()
            except ValueError:
                pass
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):
            pass
    return path.as_posix()


def load_files(paths: Iterable[Path], base: Path | None = None,
               roots: Iterable[Path] = ()) -> LoadResult:
    """Load every file, collecting all errors; the content hash covers every byte read.

    Symlinks must stay inside the root a path was found under (`roots`; `base` when none)."""
    result = LoadResult()
    digest = hashlib.sha256()
    trees = [r for r in roots] or ([base] if base is not None else [])
    for path in paths:
        shown = display_path(path, base)
        within = next((r for r in trees if _lexically_under(path, r)), None)
        try:
            raw = read_rule_bytes(path, within)
        except UnsafeFile as exc:
            digest.update(shown.encode() + b"\0" + exc.code.encode() + b"\0")
            result.errors.append(RuleError(shown, 1, 1, exc.code, exc.message))
            continue
        digest.update(shown.encode() + b"\0" + raw + b"\0")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            result.errors.append(
                RuleError(shown, 1, 1, "E001", f"not UTF-8 text (byte {exc.start})")
            )
            continue
        data, error = load_text(text, shown)
        if error is not None:
            result.errors.append(error)
            declared = _DECLARED_ID.search(text)
            result.failed[shown] = declared.group(1) if declared else path.stem
            continue
        assert data is not None
        result.errors.extend(data.warnings)
        result.docs.append(RawDoc(shown, data, hashlib.sha256(raw).hexdigest()))
    result.content_hash = digest.hexdigest()
    return result


def _lexically_under(path: Path, root: Path) -> bool:
    try:
        path.absolute().relative_to(root.absolute())
    except ValueError:
        return False
    return True


def to_plain(value: Any) -> Any:
    """Strip location wrappers: LocDict → dict, LocList → list (for JSON and diffing)."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def loc_at(data: Any, path: KeyPath) -> Loc | None:
    """The location of the value at `path` inside loaded data (nearest known ancestor)."""
    best: Loc | None = getattr(data, "loc", None)
    node = data
    for part in path:
        if isinstance(node, LocDict) and isinstance(part, str) and part in node:
            best = node.locs.get(part, best)
            node = node[part]
        elif isinstance(node, LocList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.locs[part] if part < len(node.locs) else best
            node = node[part]
        else:
            break
    return best


def flatten_locs(data: Any, prefix: KeyPath = ()) -> dict[KeyPath, Loc]:
    """Every key path of loaded data mapped to its location (the provenance table)."""
    out: dict[KeyPath, Loc] = {}
    if isinstance(data, LocDict):
        out[prefix] = data.loc
        for key, value in data.items():
            out.update(flatten_locs(value, (*prefix, key)))
            if key in data.locs:  # the key's own line beats its value's (block values start below)
                out[(*prefix, key)] = data.locs[key]
    elif isinstance(data, LocList):
        out[prefix] = data.loc
        for i, value in enumerate(data):
            out.update(flatten_locs(value, (*prefix, i)))
            if i < len(data.locs):
                out.setdefault((*prefix, i), data.locs[i])
    return out
