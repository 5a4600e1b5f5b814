"""PostgreSQL restarted while clerks scan, against gunicorn in production mode on a private cluster:
requests fail cleanly (503, a short message, Retry-After), scanning recovers within 30 s, and no
scan is half-applied."""

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg2
import pytest

from bench.scan import Client, production_env, wait_for_server
from tests.faults.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SEED = (
    "import json, types; from bench.scan import seed; "
    "print(json.dumps(seed(types.SimpleNamespace(clients=2, parcels_per_store=4000))))"
)


@pytest.fixture
def scan_site(private_postgres, tmp_path):
    """gunicorn (2 sync workers, DEBUG off, persistent connections) on a seeded database of the private cluster."""
    name = f"pickup_faults_scan_{secrets.token_hex(3)}"
    private_postgres.create_database(name)
    env = production_env(
        private_postgres.url(name), DB_CONN_MAX_AGE="600", PICKUP_VAR_DIR=str(tmp_path), LOG_LEVEL="ERROR"
    )
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=True
    )
    clerks = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "pickup.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_server(port, server)
        yield {
            "port": port,
            "clerks": clerks,
            "dsn": {"host": "127.0.0.1", "port": private_postgres.port, "user": "postgres", "dbname": name},
        }
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()


class Scanner(threading.Thread):
    """A clerk scanning parcel after parcel; after a 503 it waits and scans the same parcel again,
    as the counter page's script does. Keeps (time, status, headers, body) of every answer."""

    def __init__(self, port: int, username: str, codes: list[str], stop: threading.Event):
        super().__init__(daemon=True)
        self.client = Client(port)
        self.client.sign_in(username)
        self.codes, self.stop = codes, stop
        self.answers: list[tuple[float, int, dict, bytes, str]] = []
        self.failures: list[str] = []

    def run(self):
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": self.client.cookies["csrftoken"],
        }
        codes = iter(self.codes)
        code = next(codes)
        while not self.stop.is_set():
            try:
                self.client.conn.request(
                    "POST",
                    "/counter/scan-in/",
                    body=urlencode({"code": code}),
                    headers={
                        "Host": "127.0.0.1",
                        "Cookie": "; ".join(f"{k}={v}" for k, v in self.client.cookies.items()),
                        **headers,
                    },
                )
                response = self.client.conn.getresponse()
                body = response.read()
                self.client.conn.close()
            except OSError as error:
                self.failures.append(f"{code}: {error!r}")
                self.client.conn.close()
                time.sleep(0.2)
                continue
            self.answers.append((time.monotonic(), response.status, dict(response.getheaders()), body, code))
            if response.status == 503:
                time.sleep(0.2)  # a client honouring Retry-After would wait longer; the test wants to see the recovery
                continue
            code = next(codes, None)
            if code is None:
                self.failures.append("ran out of parcels before the test stopped scanning: seed more")
                return


def test_scans_fail_cleanly_while_postgres_restarts_and_none_is_half_applied(private_postgres, scan_site):
    # given two clerks scanning
    stop = threading.Event()
    scanners = [Scanner(scan_site["port"], username, codes, stop) for username, codes in scan_site["clerks"]]
    for scanner in scanners:
        scanner.start()
    time.sleep(2)
    # when PostgreSQL restarts under them, down for a few seconds
    private_postgres.stop("fast")
    time.sleep(3)
    private_postgres.start()
    back_at = time.monotonic()
    time.sleep(8)
    stop.set()
    for scanner in scanners:
        scanner.join(30)
    # then every answer was a scan's answer or a clean 503, never a 500 page or a dropped connection
    answers = [answer for scanner in scanners for answer in scanner.answers]
    assert [f for scanner in scanners for f in scanner.failures] == []
    statuses = {status for _, status, _, _, _ in answers}
    assert 503 in statuses, "the restart went unnoticed: no request met the database down"
    assert statuses <= {200, 409, 503}
    for _, status, headers, body, _code in answers:
        if status == 503:
            assert headers["Retry-After"] == "5" and json.loads(body)["code"] == "unavailable"
            assert b"Traceback" not in body
        if status == 409:  # only the repeat of a scan that was applied before its answer was lost
            assert json.loads(body)["reason"] == "already_scanned_in"
    # and scanning recovered within 30 s of the database coming back
    for scanner in scanners:
        recovered = [t for t, status, *_ in scanner.answers if status == 200 and t > back_at]
        assert recovered and recovered[0] - back_at < 30
    # and no scan is half-applied: each accepted parcel is on a shelf with its event, and nothing else moved
    accepted = {code for _, status, _, _, code in answers if status in (200, 409)}
    with psycopg2.connect(**scan_site["dsn"]) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT p.tracking_number, p.shelf_store_id IS NOT NULL AND p.shelf_slot IS NOT NULL, "
            "(SELECT count(*) FROM orders_parcelevent e WHERE e.parcel_id = p.id AND e.to_status = 'at_store') "
            "FROM orders_parcel p WHERE p.status = 'at_store'"
        )
        at_store = {number: (shelved, events) for number, shelved, events in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM orders_parcelevent e JOIN orders_parcel p ON p.id = e.parcel_id "
            "WHERE e.to_status = 'at_store' AND p.status <> 'at_store'"
        )
        events_without_status = cursor.fetchone()[0]
    assert set(at_store) == accepted
    assert set(at_store.values()) == {(True, 1)}
    assert events_without_status == 0
