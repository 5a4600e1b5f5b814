#!/usr/bin/env bash
# Start the web server and a Celery worker with beat on the embedded default; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# Local mode (the settings default to production): debug pages, the development secret, the demo shop.
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
export PICKUP_DEMO_SHOP=${PICKUP_DEMO_SHOP:-1}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

logins=$("$PY" manage.py shell --no-imports -c "from pickup.demo import demo_logins
for u, p, r in demo_logins(): print(f'    {u:8} / {p:13} {r}')")

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$PY" -m celery -A pickup worker --beat --concurrency 2 --loglevel INFO \
  --schedule var/celerybeat-schedule >var/celery.log 2>&1 &
pids+=($!)
"$PY" manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)

sleep 2
cat <<MSG

  Parcel pickup is running (Celery worker + beat log: var/celery.log).
    Home          http://$HOST:$PORT/
    Admin         http://$HOST:$PORT/admin/
    Health        http://$HOST:$PORT/healthz
  Demo logins:
$logins

  Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
