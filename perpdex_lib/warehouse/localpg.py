"""A private PostgreSQL cluster under ``.local/pg``: zero manual steps for the demo and the tests.

Why this exists: the warehouse must work on a fresh machine with nothing running. We look for server
binaries the machine already has (``/usr/lib/postgresql/*/bin``, ``pg_config --bindir``, ``initdb`` on
PATH) and fall back to the ones bundled in the ``pgserver`` wheel. ``initdb`` and ``postgres`` refuse to
run as root, so as root we run them as an unprivileged system user (``postgres`` when it exists, else we
create ``perpdex-pg``). The cluster listens on 127.0.0.1 only (TCP, no Unix socket: no dependency on
``/var/run/postgresql``) with trust auth, which is acceptable for a loopback-only development server.

The chosen port and binaries are remembered in ``.local/pg/cluster.json`` so a second ``up`` is a no-op
and a cluster keeps the port it got when the default one was taken by someone else.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SUPERUSER = "postgres"  # bootstrap superuser of the private cluster (initdb -U)
FALLBACK_OS_USER = "perpdex-pg"
HOST = "127.0.0.1"
_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")

# Server settings for a development/bench box: enough connections for xdist + Airflow, fewer checkpoints
# during bulk loads. Durability settings stay at their defaults.
SERVER_SETTINGS: dict[str, str] = {
    "listen_addresses": f"'{HOST}'",
    "unix_socket_directories": "''",
    "max_connections": "200",
    "shared_buffers": "256MB",
    "max_wal_size": "2GB",
    "checkpoint_timeout": "15min",
    "temp_buffers": "64MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "log_min_messages": "warning",
    "timezone": "'UTC'",
}


class LocalPgError(RuntimeError):
    """The private cluster could not be found, initialised or started; the message says what to do."""


@dataclass(frozen=True, slots=True)
class PgBinaries:
    bindir: Path
    major: int

    def exe(self, name: str) -> str:
        return str(self.bindir / name)


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    running: bool
    port: int | None
    pid: int | None
    bindir: Path | None
    data_dir: Path

    def admin_url(self, database: str = "postgres") -> str | None:
        return admin_url(self.port, database) if self.port else None


def admin_url(port: int, database: str = "postgres") -> str:
    return f"postgresql://{SUPERUSER}@{HOST}:{port}/{database}"


# ------------------------------------------------------------------------------------------------ binaries


def _major_of(bindir: Path) -> int | None:
    try:
        out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s*(\d+)", out.stdout) or re.search(r"(\d+)\.\d+", out.stdout)
    return int(match.group(1)) if match and out.returncode == 0 else None


def _pgserver_bindir() -> Path | None:
    try:
        from pgserver._commands import POSTGRES_BIN_PATH
    except Exception:  # the wheel is optional at runtime; any import failure means "not available"
        return None
    return Path(POSTGRES_BIN_PATH)


def candidate_bindirs() -> list[Path]:
    """Where server binaries may live, best first: system packages, PATH, then the pgserver wheel."""
    found: list[Path] = []
    system = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    found.extend(system)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=20)
            if out.returncode == 0 and out.stdout.strip():
                found.append(Path(out.stdout.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        found.append(Path(initdb).resolve().parent)
    wheel = _pgserver_bindir()
    if wheel:
        found.append(wheel)
    unique: list[Path] = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


def find_binaries(candidates: Sequence[Path], want_major: int | None = None) -> PgBinaries:
    """First candidate holding initdb, pg_ctl and postgres (of ``want_major`` when a cluster already exists)."""
    tried: list[str] = []
    for bindir in candidates:
        if not all(os.access(bindir / name, os.X_OK) for name in _REQUIRED_BINARIES):
            tried.append(f"{bindir} (incomplete)")
            continue
        major = _major_of(bindir)
        if major is None:
            tried.append(f"{bindir} (postgres --version failed)")
            continue
        if want_major is not None and major != want_major:
            tried.append(f"{bindir} (version {major}, cluster needs {want_major})")
            continue
        return PgBinaries(bindir, major)
    raise LocalPgError(
        "No usable PostgreSQL server binaries found. Tried: "
        + (", ".join(tried) or "nothing")
        + ". Install PostgreSQL (e.g. apt-get install postgresql), or `uv add pgserver`, "
        "or point PERPDEX_DATABASE_URL at a server you already have."
    )


# --------------------------------------------------------------------------------------------- os user


def _ensure_os_user() -> pwd.struct_passwd | None:
    """The unprivileged account that runs the server when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in (SUPERUSER, FALLBACK_OS_USER):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    try:
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_OS_USER],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise LocalPgError(
            f"Running as root: PostgreSQL needs an unprivileged user and creating {FALLBACK_OS_USER!r} failed "
            f"({exc}). Create one, or run as a normal user, or set PERPDEX_DATABASE_URL."
        ) from exc
    return pwd.getpwnam(FALLBACK_OS_USER)


def _ensure_traversable(path: Path) -> None:
    """Let the server's user reach ``path``: add o+x to parent directories that lack it (root only)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            log.info("chmod o+x %s so the PostgreSQL user can reach its data directory", parent)
            parent.chmod(mode | stat.S_IXOTH)


# ----------------------------------------------------------------------------------------------- cluster


class LocalCluster:
    """The private cluster rooted at ``root`` (normally ``<local_dir>/pg``)."""

    def __init__(self, root: Path, preferred_port: int, bindir_candidates: Sequence[Path] | None = None) -> None:
        self.root = Path(root).resolve()
        self.preferred_port = preferred_port
        self._candidates = list(bindir_candidates) if bindir_candidates is not None else None
        self.data_dir = self.root / "data"
        self.log_dir = self.root / "log"
        self.state_file = self.root / "cluster.json"

    # ---- state
    def _state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def _save_state(self, **values: object) -> None:
        state = self._state() | values
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, default=str) + "\n")
        tmp.replace(self.state_file)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise concurrent `up`/`down` (e.g. pytest's controller and a `perpdex db up` in a shell)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _data_major(self) -> int | None:
        version_file = self.data_dir / "PG_VERSION"
        try:
            return int(version_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _binaries(self) -> PgBinaries:
        remembered = self._state().get("bindir")
        candidates = list(self._candidates if self._candidates is not None else candidate_bindirs())
        if remembered and self._candidates is None:
            candidates.insert(0, Path(remembered))
        return find_binaries(candidates, want_major=self._data_major())

    # ---- running commands as the server's user
    def _run(
        self, args: list[str], user: pwd.struct_passwd | None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        if user is not None:
            kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
            env["HOME"] = str(self.root)
            env["USER"] = env["LOGNAME"] = user.pw_name
        return subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, env=env, cwd=str(self.root), **kwargs
        )

    def _postmaster(self) -> tuple[int, int] | None:
        """(pid, port) from postmaster.pid when that process is alive, else None."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, owned by another user
        return pid, port

    def status(self) -> ClusterStatus:
        info = self._postmaster()
        state = self._state()
        bindir = Path(state["bindir"]) if state.get("bindir") else None
        if info and _port_accepts(info[1]):
            return ClusterStatus(True, info[1], info[0], bindir, self.data_dir)
        return ClusterStatus(False, state.get("port"), None, bindir, self.data_dir)

    # ---- lifecycle
    def up(self, timeout_s: float = 90) -> ClusterStatus:
        """Start the cluster if it is not running (initialising it first if needed); idempotent."""
        with self._lock():
            current = self.status()
            if current.running:
                return current
            bins = self._binaries()
            user = _ensure_os_user()
            self.root.mkdir(parents=True, exist_ok=True)
            if user is not None:
                _ensure_traversable(self.root)
                _ensure_traversable(bins.bindir)
            for path in (self.data_dir, self.log_dir):
                if not path.exists():
                    path.mkdir(mode=0o700)
                if user is not None:
                    os.chown(path, user.pw_uid, user.pw_gid)
                path.chmod(0o700)
            if self._data_major() is None:
                self._initdb(bins, user)
            port = self._choose_port()
            self._write_conf(port, user)
            self._save_state(port=port, bindir=str(bins.bindir), major=bins.major,
                             os_user=user.pw_name if user else None)
            log_file = self.log_dir / "postgres.log"
            result = self._run(
                [bins.exe("pg_ctl"), "-D", str(self.data_dir), "-l", str(log_file), "-w", "-t", str(int(timeout_s)),
                 "start"],
                user,
                timeout=timeout_s + 30,
            )
            if result.returncode != 0:
                tail = _tail(log_file)
                raise LocalPgError(
                    f"pg_ctl start failed (exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                    f"\n--- {log_file} ---\n{tail}"
                )
            _wait_for_port(port, timeout_s)
            status = self.status()
            if not status.running:
                raise LocalPgError(f"PostgreSQL did not come up on {HOST}:{port}; see {log_file}")
            log.info("PostgreSQL %s running on %s:%s (data %s)", bins.major, HOST, port, self.data_dir)
            return status

    def down(self, timeout_s: float = 60) -> bool:
        """Stop the cluster (fast shutdown). Returns False when it was not running."""
        with self._lock():
            if self._postmaster() is None:
                return False
            bins = self._binaries()
            user = _ensure_os_user()
            result = self._run(
                [bins.exe("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", str(int(timeout_s)), "stop"],
                user,
                timeout=timeout_s + 30,
            )
            if result.returncode != 0:
                raise LocalPgError(f"pg_ctl stop failed: {result.stderr.strip() or result.stdout.strip()}")
            return True

    def destroy(self) -> None:
        """Stop and delete the cluster's files (tests use this for throwaway clusters)."""
        with contextlib.suppress(LocalPgError):
            self.down()
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- helpers
    def _initdb(self, bins: PgBinaries, user: pwd.struct_passwd | None) -> None:
        log.info("initdb %s with %s", self.data_dir, bins.bindir)
        result = self._run(
            [bins.exe("initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
             "--locale=C"],
            user,
        )
        if result.returncode != 0:
            raise LocalPgError(f"initdb failed (exit {result.returncode}): {result.stderr.strip()}")
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as handle:
            handle.write("\n# perpdex: port and tuning live in perpdex.conf (rewritten by `perpdex db up`)\n")
            handle.write("include_if_exists = 'perpdex.conf'\n")

    def _choose_port(self) -> int:
        """The remembered port, else the preferred one, unless something else holds it: then a free one."""
        remembered = self._state().get("port")
        for port in (remembered, self.preferred_port):
            if port and _port_free(int(port)):
                return int(port)
        port = _free_port()
        log.warning("port %s is taken by another program; the private cluster uses %s instead",
                    remembered or self.preferred_port, port)
        return port

    def _write_conf(self, port: int, user: pwd.struct_passwd | None) -> None:
        settings = {"port": str(port), **SERVER_SETTINGS}
        body = "".join(f"{key} = {value}\n" for key, value in settings.items())
        path = self.data_dir / "perpdex.conf"
        path.write_text("# written by perpdex (perpdex_lib/warehouse/localpg.py)\n" + body)
        if user is not None:
            os.chown(path, user.pw_uid, user.pw_gid)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _port_free(port: int) -> bool:
    """Nobody listens on the port. SO_REUSEADDR as PostgreSQL itself uses: our own server's old
    connections in TIME_WAIT must not make its remembered port look taken after a restart."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _port_accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0


def _wait_for_port(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _port_accepts(port):
            return
        time.sleep(0.1)
    raise LocalPgError(f"nothing listens on {HOST}:{port} after {timeout_s:.0f} s")
