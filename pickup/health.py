"""Readiness checks for /healthz: can we reach the database and the Celery broker?"""

from django.db import connection

from pickup.celery import app as celery_app


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"; the message says which
        return False, f"{type(exc).__name__}: {exc}"
    return True, connection.vendor


def check_broker(timeout: float = 2.0) -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            transport = conn.transport_cls
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, str(transport)
