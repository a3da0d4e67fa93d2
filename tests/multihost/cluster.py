"""A province on one machine: API hosts, PgBouncer, a primary and a streaming replica, each
in its own network namespace, joined by veth pairs on a bridge.

Used by tests/multihost/ and bench/province_morning.py. Addresses come from 198.18.0.0/15
(RFC 2544's benchmarking range), one /24 per run, so a run never meets a real network and
two runs do not meet each other. Everything runs from the packaged binaries: PostgreSQL 15
(``/usr/lib/postgresql/15/bin``), PgBouncer, and ``gigstation serve``; the test process
talks to them from the root namespace over the bridge, as a phone would over a network.

``Cluster.unavailable()`` says why the machine cannot build one (not root, no ``ip
netns``, a package missing), for the tests to skip with that reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path(os.environ.get("GIGSTATION_PG_BIN", "/usr/lib/postgresql/15/bin"))
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
SECRET = "multihost-secret-key-not-for-production-0123456789"
PII_KEY = "bXVsdGlob3N0LXBpaS1rZXktMzItYnl0ZXMtbG9uZyE"  # urlsafe base64 of 32 bytes, test only
ADMIN_PHONE, ADMIN_PASSWORD = "13900000000", "multihost-admin-pw"
DB_USER, DB_NAME = "gigstation", "gigstation"
PG_OS_USER = "postgres"  # PostgreSQL and PgBouncer refuse to run as root


def _run(*cmd: str, ns: str | None = None, user: str | None = None, check: bool = True,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full = list(cmd)
    if user:
        full = ["runuser", "-u", user, "--", *full]
    if ns:
        full = ["ip", "netns", "exec", ns, *full]
    proc = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(full)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc


def unavailable() -> str | None:
    """Why a cluster cannot be built here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    if not (PG_BIN / "postgres").exists():
        return f"PostgreSQL server binaries not found in {PG_BIN} (apt-get install postgresql-15)"
    if not Path(PGBOUNCER).exists():
        return "pgbouncer is not installed (apt-get install pgbouncer)"
    try:
        import pwd

        pwd.getpwnam(PG_OS_USER)
    except KeyError:
        return f"no '{PG_OS_USER}' system user to run PostgreSQL as"
    probe = f"gsprobe{os.getpid() % 100000}"
    result = _run("ip", "netns", "add", probe, check=False)
    if result.returncode != 0:
        return f"cannot create a network namespace: {result.stderr.strip()}"
    _run("ip", "netns", "del", probe, check=False)
    return None


@dataclass
class Host:
    """One API host: a namespace running ``gigstation serve``."""

    name: str
    ns: str
    ip: str
    port: int = 8000
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def base(self) -> str:
        return f"http://{self.ip}:{self.port}"

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Cluster:
    """Build with ``with Cluster.up(...) as c:``; everything is torn down on exit."""

    root: Path
    net: int
    hosts: list[Host] = field(default_factory=list)
    replica: bool = True
    workers: int = 1
    host_env: dict[str, str] = field(default_factory=dict)
    _bouncer: subprocess.Popen[bytes] | None = None
    _namespaces: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ addresses
    def ip(self, last: int) -> str:
        return f"198.18.{self.net}.{last}"

    @property
    def db_ip(self) -> str:
        return self.ip(2)

    @property
    def replica_ip(self) -> str:
        return self.ip(3)

    @property
    def pool_ip(self) -> str:
        return self.ip(4)

    def ns(self, tag: str) -> str:
        return f"gs{self.net}-{tag}"

    @property
    def direct_url(self) -> str:
        return f"postgresql://{DB_USER}@{self.db_ip}:5432/{DB_NAME}"

    @property
    def pooled_url(self) -> str:
        return f"postgresql://{DB_USER}@{self.pool_ip}:6432/{DB_NAME}"

    @property
    def replica_url(self) -> str:
        return f"postgresql://{DB_USER}@{self.replica_ip}:5432/{DB_NAME}"

    # ------------------------------------------------------------------ life cycle
    @classmethod
    @contextlib.contextmanager
    def up(cls, hosts: int = 3, workers: int = 1, replica: bool = True,
           env: dict[str, str] | None = None, keep: bool = False) -> Iterator[Cluster]:
        root = Path(tempfile.mkdtemp(prefix="gigstation-province-"))
        root.chmod(0o755)
        cluster = cls(root=root, net=20 + os.getpid() % 200, replica=replica, workers=workers,
                      host_env=dict(env or {}))
        try:
            cluster._network(hosts)
            cluster._primary()
            if replica:
                cluster._replica()
            cluster.start_bouncer()
            for host in cluster.hosts:
                cluster.start_host(host)
            for host in cluster.hosts:
                cluster.wait_ready(host)
            yield cluster
        finally:
            cluster.down()
            if not keep:
                shutil.rmtree(root, ignore_errors=True)

    def _network(self, n_hosts: int) -> None:
        bridge = f"gsbr{self.net}"
        self._bridge = bridge
        _run("ip", "link", "add", bridge, "type", "bridge")
        _run("ip", "addr", "add", f"{self.ip(1)}/24", "dev", bridge)
        _run("ip", "link", "set", bridge, "up")
        plan = [("db", 2), ("replica", 3), ("pool", 4)] + [(f"api{i + 1}", 11 + i) for i in range(n_hosts)]
        for tag, last in plan:
            ns = self.ns(tag)
            _run("ip", "netns", "add", ns)
            self._namespaces.append(ns)
            outer, inner = f"g{self.net}{tag}", f"g{self.net}{tag}p"
            _run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
            _run("ip", "link", "set", inner, "netns", ns)
            _run("ip", "link", "set", outer, "master", bridge)
            _run("ip", "link", "set", outer, "up")
            _run("ip", "addr", "add", f"{self.ip(last)}/24", "dev", inner, ns=ns)
            _run("ip", "link", "set", inner, "up", ns=ns)
            _run("ip", "link", "set", "lo", "up", ns=ns)
            if tag.startswith("api"):
                self.hosts.append(Host(tag, ns, self.ip(last)))

    def _pg_dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(exist_ok=True)
        shutil.chown(path, PG_OS_USER, PG_OS_USER)
        path.chmod(0o700)
        return path

    def _pg_start(self, data: Path, ns: str) -> None:
        _run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "60", "start",
             ns=ns, user=PG_OS_USER)

    def _primary(self) -> None:
        data = self._pg_dir("primary")
        sock = self._pg_dir("sock")
        sock.chmod(0o755)
        _run(str(PG_BIN / "initdb"), "-D", str(data), "-U", DB_USER, "--auth=trust", "-E", "UTF8",
             "--locale=C.UTF-8", user=PG_OS_USER)
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"""
listen_addresses = '{self.db_ip}'
port = 5432
unix_socket_directories = '{sock}'
max_connections = 300
wal_level = replica
max_wal_senders = 5
hot_standby = on
track_commit_timestamp = on
shared_buffers = 128MB
""")
        (data / "pg_hba.conf").write_text(
            "local all all trust\n"
            f"host all all {self.ip(0)}/24 trust\n"
            f"host replication all {self.ip(0)}/24 trust\n")
        self._pg_start(data, self.ns("db"))
        _run(str(PG_BIN / "createdb"), "-h", self.db_ip, "-U", DB_USER, DB_NAME, ns=self.ns("db"))

    def _replica(self) -> None:
        data = self._pg_dir("replica")
        _run(str(PG_BIN / "pg_basebackup"), "-h", self.db_ip, "-U", DB_USER, "-D", str(data), "-R",
             "-X", "stream", "-c", "fast", ns=self.ns("replica"), user=PG_OS_USER)
        sock = self._pg_dir("replica-sock")
        sock.chmod(0o755)
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nlisten_addresses = '{self.replica_ip}'\nunix_socket_directories = '{sock}'\n")
        self._pg_start(data, self.ns("replica"))

    def bouncer_config(self) -> str:
        """The PgBouncer configuration this cluster runs (docs/scale.md quotes it)."""
        d = self.root / "pgbouncer"
        return f"""[databases]
{DB_NAME} = host={self.db_ip} port=5432 dbname={DB_NAME}

[pgbouncer]
listen_addr = {self.pool_ip}
listen_port = 6432
unix_socket_dir =
auth_type = trust
auth_file = {d}/userlist.txt
admin_users = {DB_USER}
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 40
reserve_pool_size = 10
query_wait_timeout = 5
server_connect_timeout = 2
server_login_retry = 1
server_lifetime = 3600
logfile = {d}/pgbouncer.log
pidfile = {d}/pgbouncer.pid
"""

    def start_bouncer(self) -> None:
        d = self.root / "pgbouncer"
        d.mkdir(exist_ok=True)
        (d / "userlist.txt").write_text(f'"{DB_USER}" ""\n')
        (d / "pgbouncer.ini").write_text(self.bouncer_config())
        shutil.chown(d, PG_OS_USER, PG_OS_USER)
        for f in d.iterdir():
            shutil.chown(f, PG_OS_USER, PG_OS_USER)
        self._bouncer = subprocess.Popen(
            ["ip", "netns", "exec", self.ns("pool"), "runuser", "-u", PG_OS_USER, "--", PGBOUNCER,
             str(d / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._wait_port(self.pool_ip, 6432, 20)

    def stop_bouncer(self) -> None:
        """Stop PgBouncer at once (SIGINT: close every connection and exit)."""
        if self._bouncer is not None and self._bouncer.poll() is None:
            os.killpg(self._bouncer.pid, signal.SIGINT)
            try:
                self._bouncer.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self._bouncer.pid, signal.SIGKILL)
                self._bouncer.wait(10)
        self._bouncer = None

    def restart_primary(self) -> None:
        """``pg_ctl restart -m fast``: every session, the pooler's and the hosts' own, is cut."""
        _run(str(PG_BIN / "pg_ctl"), "-D", str(self.root / "primary"), "-m", "fast", "-w", "-t", "60",
             "restart", "-l", str(self.root / "primary" / "server.log"), ns=self.ns("db"), user=PG_OS_USER)

    def host_environment(self, host: Host) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIGSTATION_")}
        env.update({
            "GIGSTATION_DATABASE_URL": self.pooled_url,
            "GIGSTATION_DIRECT_DATABASE_URL": self.direct_url,
            "GIGSTATION_SECRET_KEY": SECRET,
            "GIGSTATION_PII_KEY": PII_KEY,
            "GIGSTATION_ADMIN_PHONE": ADMIN_PHONE,
            "GIGSTATION_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "GIGSTATION_DATA_DIR": str(self.root / host.name),
            "GIGSTATION_PUBLIC_BASE_URL": host.base,
            "GIGSTATION_RETENTION_ENABLED": "false",
        })
        if self.replica:
            env["GIGSTATION_REPLICA_DATABASE_URL"] = self.replica_url
        env.update(self.host_env)
        return env

    def start_host(self, host: Host) -> None:
        host.log = self.root / f"{host.name}.log"
        exe = shutil.which("gigstation") or "gigstation"
        with host.log.open("ab") as log:
            host.proc = subprocess.Popen(
                ["ip", "netns", "exec", host.ns, exe, "serve", "--host", host.ip, "--port", str(host.port),
                 "--workers", str(self.workers), "--server", "granian"],
                env=self.host_environment(host), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, host: Host, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if host.proc is not None and host.proc.poll() is not None:
                raise RuntimeError(f"{host.name} exited: {self.tail(host)}")
            try:
                with urllib.request.urlopen(f"{host.base}/api/v1/ready", timeout=2) as r:  # noqa: S310 - http only
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{host.name} not ready in {timeout} s: {self.tail(host)}")

    def kill_host(self, host: Host) -> None:
        """kill -9 the host's whole process group (the server and its workers)."""
        if host.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(host.proc.pid, signal.SIGKILL)
            host.proc.wait(10)

    def tail(self, host: Host, lines: int = 30) -> str:
        if host.log is None or not host.log.exists():
            return ""
        return "\n".join(host.log.read_text(errors="replace").splitlines()[-lines:])

    def down(self) -> None:
        for host in self.hosts:
            if host.proc is not None and host.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(host.proc.pid, signal.SIGTERM)
        for host in self.hosts:
            if host.proc is not None:
                try:
                    host.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.kill_host(host)
        self.stop_bouncer()
        for name, tag in (("replica", "replica"), ("primary", "db")):
            if (self.root / name / "postmaster.pid").exists():
                _run(str(PG_BIN / "pg_ctl"), "-D", str(self.root / name), "-m", "immediate", "-w", "stop",
                     ns=self.ns(tag), user=PG_OS_USER, check=False)
        for ns in self._namespaces:
            _run("ip", "netns", "del", ns, check=False)
        if getattr(self, "_bridge", None):
            _run("ip", "link", "del", self._bridge, check=False)

    @staticmethod
    def _wait_port(ip: str, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as s:
                s.settimeout(0.5)
                if s.connect_ex((ip, port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"nothing listens on {ip}:{port}")

    def wait_bouncer(self, timeout: float = 20) -> None:
        self._wait_port(self.pool_ip, 6432, timeout)
