"""A throwaway PostgreSQL cluster from Debian's binaries: initdb in a temp dir, a unix socket.

Used by the test fixture and by `handbook bench volume --backend postgresql`. The server
listens on a unix socket only (no TCP at all), in a private directory, on a free port
number (the number names the socket file), and everything is removed by `stop()`.

initdb refuses to run as root, so when we are root the server runs as the unprivileged
`postgres` system user the Debian package creates (`runuser -u postgres`); the data and
socket directories are made for that user. Authentication is `trust` on the socket only,
which is safe because the socket directory is private to this run.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from runtime.errors import StoreError

BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin"))
SERVER_USER = "postgres"


def find_bin_dir() -> Path | None:
    """The directory holding initdb/pg_ctl ($HANDBOOK_PG_BIN, Debian's, or PATH), or None."""
    env = os.environ.get("HANDBOOK_PG_BIN")
    candidates = [Path(env)] if env else []
    candidates += list(BIN_DIRS)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    for d in candidates:
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    return None


def _free_port() -> int:
    # The port only names the socket file (.s.PGSQL.N); a free TCP port avoids clashing with
    # any other cluster that does listen on TCP.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running throwaway cluster; `url(dbname)` gives a psycopg conninfo URL."""

    bin_dir: Path
    root: Path
    port: int
    fsync: bool = False
    as_user: str | None = None
    _running: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        """PGDATA of the cluster."""
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        """Directory of the unix socket."""
        return self.root / "sock"

    def url(self, dbname: str = "postgres") -> str:
        """Connection URL over the unix socket."""
        return f"postgresql://{SERVER_USER}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if check and proc.returncode != 0:
            raise StoreError(
                f"{args[0]} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout}"
            )
        return proc

    def init(self) -> None:
        """initdb with a UTF-8 locale (pg_trgm and lower() must understand Chinese)."""
        self.data_dir.mkdir(parents=True)
        self.socket_dir.mkdir(parents=True)
        if self.as_user:
            pw = pwd.getpwnam(self.as_user)
            for p in (self.root, self.data_dir, self.socket_dir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self.root.chmod(0o711)
        self._run(
            [
                "initdb", "-D", str(self.data_dir), "-U", SERVER_USER, "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            ]
        )
        conf = [
            "listen_addresses = ''",
            f"unix_socket_directories = '{self.socket_dir}'",
            f"port = {self.port}",
            "max_connections = 200",
            "shared_buffers = 128MB",
            f"fsync = {'on' if self.fsync else 'off'}",
            f"synchronous_commit = {'on' if self.fsync else 'off'}",
            f"full_page_writes = {'on' if self.fsync else 'off'}",
            "logging_collector = off",
        ]
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as fh:
            fh.write("\n# handbook throwaway cluster\n" + "\n".join(conf) + "\n")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        log = self.root / "server.log"
        if self.as_user:
            log.touch()
            pw = pwd.getpwnam(self.as_user)
            os.chown(log, pw.pw_uid, pw.pw_gid)
        self._run(["pg_ctl", "-D", str(self.data_dir), "-l", str(log), "-w", "-t", "60", "start"])
        self._running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (fast: roll back open transactions, then shut down)."""
        if self._running:
            self._run(["pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop"], check=False)
            self._running = False

    def restart(self) -> None:
        """Stop and start again (every client connection is cut)."""
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop and delete everything."""
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server log (for error messages)."""
        with contextlib.suppress(OSError):
            return "\n".join((self.root / "server.log").read_text().splitlines()[-lines:])
        return ""


def start_cluster(*, fsync: bool = False, bin_dir: Path | None = None) -> Cluster:
    """initdb + start a throwaway cluster; raises StoreError when the binaries are missing."""
    found = bin_dir or find_bin_dir()
    if found is None:
        raise StoreError(
            "PostgreSQL server binaries not found (looked in $HANDBOOK_PG_BIN, "
            f"{', '.join(str(d) for d in BIN_DIRS)} and PATH); "
            "install them with: apt-get install postgresql postgresql-contrib"
        )
    as_user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError as exc:
            raise StoreError(
                f"running as root needs the unprivileged {SERVER_USER!r} user to run the "
                "server (initdb refuses root); install Debian's postgresql package"
            ) from exc
        as_user = SERVER_USER
    root = Path(tempfile.mkdtemp(prefix="hb-pg-"))
    cluster = Cluster(bin_dir=found, root=root, port=_free_port(), fsync=fsync, as_user=as_user)
    try:
        cluster.init()
        cluster.start()
    except BaseException:
        tail = cluster.log_tail()
        cluster.remove()
        if tail:
            raise StoreError(f"the throwaway PostgreSQL cluster did not start:\n{tail}") from None
        raise
    return cluster
