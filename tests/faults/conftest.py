"""Private servers for the fault tests: a PostgreSQL cluster and a Redis of their own on loopback.

The tests stop and restart these, never the machine's PostgreSQL and Redis that other runs share.
Each server listens on a free 127.0.0.1 port, keeps its files in a temporary directory and is
stopped (killed if need be) when its fixture ends. Missing binaries skip the tests and say which.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("PICKUP_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/faults/" in str(item.path):
            item.add_marker(pytest.mark.faults)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


class PrivateRedis:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self._answers, timeout=15, what=f"redis on port {self.port}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # an outage, not a clean shutdown; nothing is saved either way
            self.proc.wait(timeout=10)
        self.proc = None


class PrivatePostgres:
    """A throwaway cluster (trust auth, user postgres). As root it runs as the `postgres` OS user,
    since PostgreSQL refuses to run as root."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [*self.as_postgres, *args], check=True, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def init(self) -> None:
        if self.as_postgres:
            shutil.chown(self.directory, user="postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def create_database(self, name: str) -> None:
        import psycopg2

        admin = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()


@pytest.fixture
def private_redis():
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.skip(f"the broker fault tests need redis-server ({REDIS_SERVER} not found)")
    with tempfile.TemporaryDirectory(prefix="pickup-redis-") as directory:
        server = PrivateRedis(Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def private_postgres():
    """One cluster for the session (initdb takes seconds); tests make their own databases in it."""
    missing = [name for name in ("initdb", "pg_ctl") if not os.access(PG_BIN / name, os.X_OK)]
    if missing:
        pytest.skip(f"the database fault tests need PostgreSQL's {', '.join(missing)} in {PG_BIN}")
    directory = Path(tempfile.mkdtemp(prefix="pickup-pg-"))
    server = PrivatePostgres(directory)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop("immediate")
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(directory, ignore_errors=True)


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, found through /proc: the solver's children lead process groups of
    their own, so killing the worker's group would miss them."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def process_running(pid: int) -> bool:
    """`pid` exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


class PrivateCelery:
    """Celery workers and beats on the private Redis, pointed at the test database; all stopped at the end."""

    def __init__(self, redis: PrivateRedis, directory: Path):
        from celery import Celery

        self.redis = redis
        self.directory = directory
        # Not the current app: tasks the tests (and later tests) send go through the configured broker.
        self.probe = Celery("faults-probe", broker=redis.url(), set_as_current=False)
        self.procs: list[subprocess.Popen] = []

    def env(self, **overrides: str) -> dict:
        from tests.conftest import _database_url_for_test_db

        return dict(
            os.environ,
            DATABASE_URL=_database_url_for_test_db(),
            REDIS_URL=self.redis.url(),
            CELERY_TASK_ALWAYS_EAGER="0",
            # The broker hands an unacknowledged message (its worker was killed) to another after this,
            # looked for every 10 s rather than kombu's 100.
            CELERY_VISIBILITY_TIMEOUT="60",
            CELERY_UNACKED_RESTORE_INTERVAL="1",
            **overrides,
        )

    def worker(self, name: str, **env: str) -> subprocess.Popen:
        from tests.conftest import celery_process_start, worker_args

        hostname = f"{name}-{os.getpid()}@%h"
        proc = celery_process_start(worker_args(hostname), env=self.env(**env), app=self.probe, hostname=hostname)
        self.procs.append(proc)
        return proc

    def beat(self, name: str, **env: str) -> subprocess.Popen:
        from tests.conftest import celery_process_start

        var_dir = self.directory / name  # each beat keeps its own schedule file, as on two machines
        args = ["beat", "--loglevel", "INFO", "--logfile", str(self._beat_log(name))]
        proc = celery_process_start(args, env=self.env(PICKUP_VAR_DIR=str(var_dir), **env), app=self.probe)
        self.procs.append(proc)
        return proc

    def wait_for_beat_to_send(self, name: str, entry: str, *, timeout: float = 60) -> None:
        """Until beat `name` has published `entry`, so that it is connected to the broker.

        A beat that starts while the broker is down waits in its connect loop and sends what fell due
        once the broker is back. Tests of an outage that a running beat meets wait here before taking
        the broker down. Beat logs a send before it publishes and ticks one entry at a time, so the
        second send logged is the proof that the first went out.
        """
        log = self._beat_log(name)
        line = f"Sending due task {entry} "
        wait_until(
            lambda: log.exists() and log.read_text().count(line) >= 2,
            timeout=timeout,
            what=f"beat {name} to send {entry}",
        )

    def _beat_log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def stop_all(self) -> None:
        from tests.conftest import celery_process_stop

        for proc in self.procs:
            for pid in descendants(proc.pid):
                _kill(pid)
            celery_process_stop(proc)
        for log in sorted(self.directory.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text()}")  # shown with a failing test's output


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass


@pytest.fixture
def private_celery(private_redis, transactional_db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL (CI's PostgreSQL + Redis run)")
    with tempfile.TemporaryDirectory(prefix="pickup-celery-") as directory:
        celery = PrivateCelery(private_redis, Path(directory))
        try:
            yield celery
        finally:
            celery.stop_all()
