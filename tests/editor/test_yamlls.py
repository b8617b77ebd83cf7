"""The real yaml-language-server (the VS Code YAML extension's engine) over stdio, against the
per-tree schemas: a bad duration and an unknown role are flagged, role ids are completed.

Needs node and `npm ci --prefix tools/yamlls` (.ci/run does it): skipped here without them,
failed under CI=true, like the PostgreSQL tests.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.compiler.pipeline import compiled
from runtime.compiler.schemas import write_all
from runtime.store.postgres.testing import in_ci
from tests.conftest import FORMS, ROOT, RULES

SERVER = ROOT / "tools" / "yamlls" / "node_modules" / "yaml-language-server" / "bin" / \
    "yaml-language-server"
# Generous: the machine is shared, and the first validation compiles the schema.
WAIT = 180.0

pytestmark = pytest.mark.yamlls


def _unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs)"
    if not SERVER.is_file():
        return "yaml-language-server is not installed (run `npm ci --prefix tools/yamlls`)"
    return None


class Lsp:
    """A minimal LSP client: Content-Length framing, requests with ids, server requests
    answered (configuration, capability registration), notifications queued."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.proc = subprocess.Popen(["node", str(SERVER), "--stdio"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        with self.lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(out.read(length))
            if "method" in message and "id" in message:  # the server asks something
                self._answer(message)
            else:
                self.messages.put(message)

    def _answer(self, request: dict[str, Any]) -> None:
        result: Any = None
        if request["method"] == "workspace/configuration":
            result = [self.settings.get(item.get("section", ""), None)
                      for item in request["params"]["items"]]
        self._send({"id": request["id"], "result": result})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        """Send a request and wait for its response (other messages stay queued)."""
        self.next_id += 1
        ident = self.next_id
        self._send({"id": ident, "method": method, "params": params})
        kept: list[dict[str, Any]] = []
        try:
            message = self.wait(lambda m: m.get("id") == ident, kept)
        finally:
            for m in kept:
                self.messages.put(m)
        assert "error" not in message, message
        return message.get("result")

    def notify(self, method: str, params: dict[str, Any]) -> None:
        """Send a notification."""
        self._send({"method": method, "params": params})

    def wait(self, wanted: Callable[[dict[str, Any]], bool],
             kept: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The next message `wanted` accepts; others are dropped (or kept)."""
        import time

        deadline = time.monotonic() + WAIT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("yaml-language-server did not answer in time")
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if wanted(message):
                return message
            if kept is not None:
                kept.append(message)

    def diagnostics(self, uri: str, done: Callable[[list[dict[str, Any]]], bool]) -> list[
            dict[str, Any]]:
        """The first diagnostics published for `uri` that `done` accepts."""
        message = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                            and m["params"]["uri"] == uri and done(m["params"]["diagnostics"]))
        return message["params"]["diagnostics"]  # type: ignore[no-any-return]

    def close(self) -> None:
        """Shut the server down (killed if it does not stop)."""
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped tree with its per-tree schemas in .schemas/."""
    why = _unavailable()
    if why:
        if in_ci():
            pytest.fail(f"CI must run the yaml-language-server test, but {why}", pytrace=False)
        pytest.skip(f"yaml-language-server test skipped: {why}")
    root = tmp_path_factory.mktemp("yamlls")
    shutil.copytree(RULES, root / "rules")
    shutil.copytree(FORMS, root / "forms")
    write_all(root / ".schemas", compiled(root / "rules", root / "forms"))
    return root


@pytest.fixture(scope="module")
def server(tree: Path) -> Iterator[Lsp]:
    """yaml-language-server started on the tree, validation and completion on."""
    settings = {"yaml": {"validate": True, "completion": True, "hover": True,
                         "schemaStore": {"enable": False}, "format": {"enable": False}}}
    lsp = Lsp(settings)
    lsp.request("initialize", {
        "processId": None, "rootUri": tree.as_uri(),
        "workspaceFolders": [{"uri": tree.as_uri(), "name": "tree"}],
        "capabilities": {
            "workspace": {"configuration": True},
            "textDocument": {"publishDiagnostics": {},
                             "completion": {"completionItem": {"snippetSupport": False}}},
        },
    })
    lsp.notify("initialized", {})
    lsp.notify("workspace/didChangeConfiguration", {"settings": settings})
    yield lsp
    lsp.close()


def _open(server: Lsp, tree: Path, name: str, text: str) -> str:
    """Open `text` as rules/company/procedures/<name> with its header on the tree's schema."""
    path = tree / "rules" / "company" / "procedures" / name
    header = "# yaml-language-server: $schema=../../../.schemas/procedure.schema.json"
    lines = text.splitlines()
    assert lines[0].startswith("# yaml-language-server:")
    text = "\n".join([header, *lines[1:]]) + "\n"
    # Only opened, never written: the path just places the header's relative schema path.
    uri = path.as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    return uri


def _shipped() -> str:
    return (RULES / "company" / "procedures" / "complaint-handling.yaml").read_text(
        encoding="utf-8")


def test_bad_duration_and_unknown_role_are_flagged(server: Lsp, tree: Path) -> None:
    text = _shipped()
    assert "within: 24h" in text and "roles: [customer-assistant]" in text
    text = text.replace("within: 24h", "within: 24 hourz", 1)
    text = text.replace("roles: [customer-assistant]", "roles: [customer-assistnt]", 1)
    lines = text.splitlines()
    bad_duration = next(i for i, line in enumerate(lines) if "24 hourz" in line)
    bad_role = next(i for i, line in enumerate(lines) if "customer-assistnt" in line)
    uri = _open(server, tree, "broken.yaml", text)

    def both(diags: list[dict[str, Any]]) -> bool:
        rows = {d["range"]["start"]["line"] for d in diags}
        return bad_duration in rows and bad_role in rows

    diags = server.diagnostics(uri, both)
    by_line = {d["range"]["start"]["line"]: d["message"] for d in diags}
    assert "时长写法" in by_line[bad_duration] or "pattern" in by_line[bad_duration], by_line
    assert "customer-assistant" in by_line[bad_role] or "Value is not accepted" in by_line[bad_role]
    # Nothing else in the file is flagged: the two slips are the only diagnostics.
    assert set(by_line) == {bad_duration, bad_role}, by_line


def test_shipped_file_has_no_diagnostics(server: Lsp, tree: Path) -> None:
    uri = _open(server, tree, "clean.yaml", _shipped().replace(
        "within: 24h", "within: 24 hourz", 1))
    server.diagnostics(uri, bool)  # the server validates this file (the slip is found) …
    fixed = _shipped()
    server.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"text": "\n".join(
            ["# yaml-language-server: $schema=../../../.schemas/procedure.schema.json",
             *fixed.splitlines()[1:]]) + "\n"}]})
    assert server.diagnostics(uri, lambda d: not d) == []  # … and the shipped text is clean


def test_role_ids_are_completed_after_roles_bracket(server: Lsp, tree: Path) -> None:
    text = _shipped()
    marker = "roles: [customer-assistant]"
    text = text.replace(marker, "roles: []", 1)
    uri = _open(server, tree, "complete.yaml", text)
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if "roles: []" in line)
    col = lines[row].index("roles: [") + len("roles: [")
    result = server.request("textDocument/completion", {
        "textDocument": {"uri": uri}, "position": {"line": row, "character": col}})
    items = result["items"] if isinstance(result, dict) else result
    labels = {item["label"] for item in items}
    view = compiled(RULES, FORMS).views[None]
    roles = set(view.roles)
    assert roles <= labels, sorted(roles - labels)
    front = next(item for item in items if item["label"] == "front-desk")
    title = view.roles["front-desk"].meta.title
    assert title in json.dumps(front, ensure_ascii=False)
