"""Settings come from the environment: checked in a fresh interpreter for each set of variables."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'broker': s.CELERY_BROKER_URL, 'backend': s.CELERY_RESULT_BACKEND, 'cache': s.CACHES['default']['BACKEND'], "
    "'tz': s.TIME_ZONE, 'hold': s.PICKUP_HOLD_DAYS, 'batch': s.PICKUP_DAILY_BATCH_TIME.isoformat()}))"
)
# Each CELERY_* Django setting that names a Celery setting, as the Celery app sees it.
CELERY_PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; from pickup.celery import app; "
    "from celery.app.defaults import DEFAULTS; "
    "names = {n: n.removeprefix('CELERY_').lower() for n in dir(s) if n.startswith('CELERY_')}; "
    "names = {n: key for n, key in names.items() if key in DEFAULTS}; "
    "print(json.dumps({'checked': sorted(names.values()), "
    "'different': sorted(n for n, key in names.items() if app.conf[key] != getattr(s, n)), "
    "'transport': app.conf.broker_transport}))"
)


# Whether debug is on and the demo shop mounted, as a production start would have them.
EXPOSURE_PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; from django.urls import resolve, "
    "Resolver404\ntry:\n resolve('/demo-shop/'); shop = True\nexcept Resolver404:\n shop = False\n"
    "print(json.dumps({'debug': s.DEBUG, 'demo_shop': shop}))"
)
LOCAL_ONLY = {"DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "TIME_ZONE", "PICKUP_DEMO_SHOP"}


def probe(code=PROBE, **env):
    """Run `code` with the project's settings in a fresh interpreter; local mode unless DJANGO_DEBUG says
    otherwise (None: the variable unset)."""
    clean = {k: v for k, v in os.environ.items() if k not in LOCAL_ONLY}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "pickup.settings", "DJANGO_DEBUG": "1", **env}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={k: v for k, v in env.items() if v is not None},
        capture_output=True,
        text=True,
    )
    return result


def test_embedded_default_needs_no_server():
    out = json.loads(probe().stdout)
    assert out["engine"] == "django.db.backends.sqlite3" and out["name"].endswith("var/pickup.sqlite3")
    assert out["broker"] == "filesystem://" and out["backend"] is None
    assert out["cache"].endswith("LocMemCache")
    assert (out["tz"], out["hold"], out["batch"]) == ("Asia/Taipei", 7, "09:00:00")


def test_database_url_and_redis_url_switch_to_real_services():
    out = json.loads(
        probe(DATABASE_URL="postgres://u:p@db.example:5433/pickup", REDIS_URL="redis://cache.example:6379/2").stdout
    )
    assert out["engine"] == "django.db.backends.postgresql" and out["name"] == "pickup"
    assert out["broker"] == out["backend"] == "redis://cache.example:6379/2"
    assert out["cache"].endswith("RedisCache")


@pytest.mark.parametrize(
    ("redis_url", "transport"),
    [("", None), ("redis://cache.example:6379/2", "pickup.broker:Transport"), ("rediss://cache.example:6380/2", None)],
)
def test_every_celery_setting_reaches_celery(redis_url, transport):
    out = json.loads(probe(CELERY_PROBE, REDIS_URL=redis_url).stdout)
    assert out["different"] == []
    expected = {
        "broker_url",
        "broker_transport_options",
        "result_backend",
        "task_always_eager",
        "task_acks_late",
        "beat_schedule",
        "imports",
        "timezone",
    }
    assert expected <= set(out["checked"])
    # kombu's own transport for rediss://, whose TLS set-up a transport named in the settings would skip
    assert out["transport"] == transport


def test_business_settings_are_read_from_the_environment():
    out = json.loads(probe(PICKUP_HOLD_DAYS="5", PICKUP_DAILY_BATCH_TIME="08:30", TIME_ZONE="Asia/Tokyo").stdout)
    assert (out["hold"], out["batch"], out["tz"]) == (5, "08:30:00", "Asia/Tokyo")


@pytest.mark.parametrize("debug", ["0", None], ids=["DJANGO_DEBUG=0", "DJANGO_DEBUG unset"])
def test_production_mode_refuses_to_start_without_a_secret_key(debug):
    result = probe(DJANGO_DEBUG=debug)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_is_the_default_with_no_debug_pages_and_no_demo_shop():
    # given a deployment that sets a secret and its host, and nothing about debugging or the demo shop
    result = probe(EXPOSURE_PROBE, DJANGO_DEBUG=None, DJANGO_SECRET_KEY="s" * 50, DJANGO_ALLOWED_HOSTS="pickup.example")
    # then debugging is off and /demo-shop/ is not mounted
    assert json.loads(result.stdout) == {"debug": False, "demo_shop": False}, result.stderr


def test_the_demo_shop_is_mounted_when_the_setting_asks():
    result = probe(EXPOSURE_PROBE, PICKUP_DEMO_SHOP="1")
    assert json.loads(result.stdout) == {"debug": True, "demo_shop": True}, result.stderr


def test_make_run_and_the_tests_turn_local_mode_on():
    # `make run` exports both (its recipes and scripts/run_local.sh), the tests' settings set both
    dry_run = subprocess.run(
        ["make", "-n", "-p", "run"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in LOCAL_ONLY},
        capture_output=True,
        text=True,
    ).stdout
    assert {"DJANGO_DEBUG = 1", "PICKUP_DEMO_SHOP = 1"} <= set(dry_run.splitlines())
    script = (ROOT / "scripts" / "run_local.sh").read_text()
    assert (
        "export DJANGO_DEBUG=${DJANGO_DEBUG:-1}" in script
        and "export PICKUP_DEMO_SHOP=${PICKUP_DEMO_SHOP:-1}" in script
    )
    from django.conf import settings

    assert settings.PICKUP_DEMO_SHOP


def test_bad_values_fail_loudly():
    assert "not a boolean" in probe(DJANGO_DEBUG="ture").stderr
    assert "not a time of day" in probe(PICKUP_DAILY_BATCH_TIME="9am").stderr
    assert "must be at least 1" in probe(PICKUP_HOLD_DAYS="0").stderr
    assert "not a known time zone" in probe(TIME_ZONE="Mars/Olympus").stderr
    assert "'gurobi' is not one of portfolio, ortools, pyvrp" in probe(PICKUP_ROUTING_ENGINE="gurobi").stderr


def test_production_settings_pass_the_deploy_checklist():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 20 + "-a-long-random-production-secret-0123456789",
        DJANGO_ALLOWED_HOSTS="pickup.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
