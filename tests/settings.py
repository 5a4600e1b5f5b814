"""The settings the tests run with: the project's, in local mode (debug on, the demo shop mounted).

Set in the environment before pickup.settings reads it, so the processes tests start (a Celery worker,
a live server, manage.py) inherit the same mode; a test that wants production mode says so explicitly.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("PICKUP_DEMO_SHOP", "1")

from pickup.settings import *  # noqa: F403
