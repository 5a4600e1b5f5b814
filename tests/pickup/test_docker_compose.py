"""docker-compose.yml cannot be run here (no Docker engine), so check what can go stale: every
service's command names a module or entry point that exists in this project."""

import importlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_expected_services_with_health_checks_and_volumes():
    compose = load()
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert all("healthcheck" in services[name] for name in ("postgres", "redis", "web", "worker", "beat"))
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])


def _targets(command: list[str]) -> list[str]:
    text = " ".join(command)
    found = []
    for word in text.replace("&&", " ").split():
        if ":" in word and "." in word.split(":")[0] and not word.startswith(("0.0.0.0", "http")):
            found.append(word)  # gunicorn module:attribute
    words = text.split()
    if "-A" in words:
        found.append(words[words.index("-A") + 1] + ":celery_app")
    if "manage.py" in words:
        found.append("manage:main")
    return found


def test_every_app_command_names_something_that_exists():
    services = load()["services"]
    checked = 0
    for name in ("web", "worker", "beat"):
        for target in _targets(services[name]["command"]):
            module, attribute = target.split(":")
            assert hasattr(importlib.import_module(module), attribute), f"{name}: {target}"
            checked += 1
    assert checked >= 4
