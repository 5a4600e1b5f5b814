"""Settings for the parcel pickup platform, read from the environment.

With no variables set everything runs embedded: a SQLite file under var/ and a
Celery broker on the local filesystem, so a fresh machine needs no server.
DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pickup.env import env_bool, env_choice, env_float, env_int, env_list, env_str, env_time

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PICKUP_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Off unless asked for: a deployment that forgets the variable must not serve debug pages. `make run` and
# the tests (tests/settings.py) turn it on.
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0 (production mode).")
    SECRET_KEY = "insecure-development-key-never-use-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pickup",
    "stores",
    "orders",
    "routing",
    "dc",
    "insight",
]

MIDDLEWARE = [
    # First: every answer carries X-Request-ID, and every log line of the request its id.
    "pickup.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Input that cannot be represented (NUL, lone surrogates, overflowing numbers and days) is a 400.
    "pickup.middleware.UnrepresentableInputMiddleware",
    # Last, so its process_exception runs first: a lost database becomes a 503, not a 500 page.
    "pickup.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "pickup.urls"
WSGI_APPLICATION = "pickup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pickup.context_processors.roles",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "pickup.sqlite3",
            # Tests that start a real worker process need the test database on disk, not in memory.
            "TEST": {"NAME": str(VAR_DIR / "test-pickup.sqlite3")},
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE makes a writing
                # transaction take the lock at BEGIN so two writers queue instead of deadlocking.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pickup"}}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions are read on every request (each counter scan): the cache answers, the database keeps them durable.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff_landing"
LOGOUT_REDIRECT_URL = "home"

# --- Languages and time -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hant", _("Traditional Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Taipei")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a known time zone, e.g. Asia/Taipei.") from None

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from here in production and warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Business settings --------------------------------------------------------------------------
PICKUP_HOLD_DAYS = env_int("PICKUP_HOLD_DAYS", 7, minimum=1)
PICKUP_DAILY_BATCH_TIME = env_time("PICKUP_DAILY_BATCH_TIME", "09:00")
# Hold days per temperature class; each defaults to PICKUP_HOLD_DAYS (a store may want frozen goods back sooner).
PICKUP_HOLD_DAYS_BY_CLASS = {
    "ambient": PICKUP_HOLD_DAYS,
    "chilled": env_int("PICKUP_HOLD_DAYS_CHILLED", PICKUP_HOLD_DAYS, minimum=1),
    "frozen": env_int("PICKUP_HOLD_DAYS_FROZEN", PICKUP_HOLD_DAYS, minimum=1),
}
# How many days ahead (counting the first possible delivery day) a shopper may choose to collect.
PICKUP_PICKUP_DAY_CHOICES = env_int("PICKUP_PICKUP_DAY_CHOICES", 5, minimum=1)
# Longest time chilled and frozen goods may spend on a vehicle, from the DC to the store.
PICKUP_COLD_MAX_ON_BOARD_MINUTES = env_int("PICKUP_COLD_MAX_ON_BOARD_MINUTES", 240, minimum=1)
# Days of a store's handovers that the shelf forecast averages over.
PICKUP_FORECAST_HISTORY_DAYS = env_int("PICKUP_FORECAST_HISTORY_DAYS", 28, minimum=1)
# Days a shopper may add to a parcel's hold, once, from the tracking page (when the shelf forecast has room).
PICKUP_HOLD_EXTENSION_DAYS = env_int("PICKUP_HOLD_EXTENSION_DAYS", 3, minimum=1)
# Farthest store (straight line, km) on the same route a driver may take a parcel to when its store is full or closed.
PICKUP_REDIRECT_MAX_KM = env_float("PICKUP_REDIRECT_MAX_KM", 2.0, minimum=0.1)

# --- Shoppers and merchants (store locator, API, webhooks, tracking, notifications) -------------
# Absolute base of links sent to shoppers in emails and SMS, and of tracking URLs in the API.
PICKUP_PUBLIC_URL = env_str("PICKUP_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Dotted path of the geocoder behind the store search; the default resolves the shipped gazetteer offline.
PICKUP_GEOCODER = env_str("PICKUP_GEOCODER", "stores.geocoding.GazetteerGeocoder")
# Map tiles for the store picker and the planner's map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png;
# empty draws stores and routes on a plain background, so the pages work with no tile server reachable.
PICKUP_MAP_TILE_URL = env_str("PICKUP_MAP_TILE_URL")
# /demo-shop/ lets anyone place real orders for PICKUP_DEMO_SHOP_MERCHANT: mounted only when this is on.
PICKUP_DEMO_SHOP = env_bool("PICKUP_DEMO_SHOP", False)
PICKUP_DEMO_SHOP_MERCHANT = env_str("PICKUP_DEMO_SHOP_MERCHANT", "BOOKNOOK")
PICKUP_API_RATE = env_str("PICKUP_API_RATE", "120/min")
# How long an Idempotency-Key is remembered; a key sent again after this is a new request (docs/api.md says why 24).
PICKUP_IDEMPOTENCY_RETENTION_HOURS = env_int("PICKUP_IDEMPOTENCY_RETENTION_HOURS", 24, minimum=1)
PICKUP_WEBHOOK_TIMEOUT_SECONDS = env_int("PICKUP_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
PICKUP_WEBHOOK_MAX_ATTEMPTS = env_int("PICKUP_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
# After a merchant rotates its webhook secret, deliveries carry a signature with the old one too for this long.
PICKUP_WEBHOOK_SECRET_GRACE_HOURS = env_int("PICKUP_WEBHOOK_SECRET_GRACE_HOURS", 24, minimum=0)
# Merchants may point their webhooks only at public addresses unless this is on (a local test setup).
PICKUP_WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("PICKUP_WEBHOOK_ALLOW_PRIVATE_URLS", False)
PICKUP_REMINDER_DAYS_BEFORE = env_int("PICKUP_REMINDER_DAYS_BEFORE", 2, minimum=1)
# A shopper's message waits this long after its event, so that the order's other parcels the same truck
# drop (scanned in one by one) or the same job reaches go out in the same message: one per order.
PICKUP_MESSAGE_GATHER_MINUTES = env_int("PICKUP_MESSAGE_GATHER_MINUTES", 10, minimum=0)
SMS_BACKEND = env_str("SMS_BACKEND", "orders.sms.ConsoleSmsBackend")
SMS_QUIET_START = env_time("SMS_QUIET_START", "21:00")
SMS_QUIET_END = env_time("SMS_QUIET_END", "08:00")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Parcel pickup <no-reply@pickup.example>")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# --- Celery -------------------------------------------------------------------------------------
# Embedded default: kombu's filesystem transport. It needs no server and no extra package, and a
# real worker and beat consume from it, so the embedded run exercises the same task code paths.
CELERY_QUEUE_DIR = VAR_DIR / "celery" / "queue"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest route solve, so Redis does not hand a running task to a second worker.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 60 * 60, minimum=60),
        # A worker looks for such messages every tenth tick of this many seconds (kombu's default).
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10, minimum=1),
    }
    # kombu's Redis transport with the fix of a worker-stopping bug on a lost connection (pickup/broker.py).
    # Only for redis://: a transport named here overrides the URL's scheme, and with it kombu's TLS set-up
    # for rediss://.
    if REDIS_URL.startswith("redis://"):
        CELERY_BROKER_TRANSPORT = "pickup.broker:Transport"
else:
    CELERY_QUEUE_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR),
        "data_folder_out": str(CELERY_QUEUE_DIR),
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "expire-overdue-parcels": {"task": "orders.expire_overdue_parcels", "schedule": crontab(minute=0)},
    "notifications-reminders": {"task": "orders.notifications_remind_due", "schedule": 60 * 60},
    # Sends what quiet hours held back overnight and retries failed sends.
    "notifications-send-due": {"task": "orders.notifications_send_due", "schedule": 5 * 60},
    "webhooks-sweep": {"task": "orders.webhooks_sweep", "schedule": 5 * 60},
    "idempotency-purge": {"task": "orders.idempotency_purge", "schedule": crontab(minute=30)},
}
# Modules whose tasks live outside an app's tasks.py (which autodiscovery finds on its own).
CELERY_IMPORTS = ["orders.tasks_counter"]

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "orders.api.schema.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "orders.api.parsers.CheckedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "orders.api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parcel pickup merchant API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (BASE_DIR / "orders" / "api" / "description.md")
    .read_text(encoding="utf-8")
    .replace("{idempotency_retention_hours}", str(PICKUP_IDEMPOTENCY_RETENTION_HOURS)),
    # The interactive docs are served from our static files, so they work with no CDN reachable.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The error bodies, headers and links every operation shares (orders/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "orders.api.schema.complete_api_schema",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ParcelStatusEnum": "orders.models.Parcel.Status",
        "WebhookDeliveryStatusEnum": "orders.models.WebhookDelivery.Status",
    },
}

# --- Production hardening -----------------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "filters": {"request_id": {"()": "pickup.middleware.RequestIdLogFilter"}},
    # The level on the handler too: Django's own loggers (django.request…) propagate here with levels of their own.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
            "level": env_str("LOG_LEVEL", "INFO"),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Network planning (insight) ----------------------------------------------------------------
# A shopper walks this far to a pickup store: the coverage radius, and "no store near" for a search.
PICKUP_WALKING_DISTANCE_M = env_float("PICKUP_WALKING_DISTANCE_M", 500.0, minimum=50.0)

# --- Daily route batch (routing) ----------------------------------------------------------------
# OR-Tools search time per region. 20 regions on 2 workers take about ten rounds of this.
PICKUP_ROUTING_TIME_LIMIT_S = env_float("PICKUP_ROUTING_TIME_LIMIT_S", 30.0, minimum=0.1)
# Which search plans a region (routing.engine.SearchParams.engine): the portfolio runs PyVRP beside
# OR-Tools, two processes per region, and recombines their routes; "ortools" or "pyvrp" runs one.
PICKUP_ROUTING_ENGINE = env_choice("PICKUP_ROUTING_ENGINE", "portfolio", ("portfolio", "ortools", "pyvrp"))
# How long a region's claim holds unless its worker renews it (it does every third of this while it
# solves): a worker that dies leaves its region to be claimed again by the next catch-up after this.
PICKUP_ROUTING_LEASE_S = env_float("PICKUP_ROUTING_LEASE_S", 120.0, minimum=1.0)
# Road matrices from an OSRM server's table service; empty: offline estimate from straight lines.
OSRM_URL = env_str("OSRM_URL")
# The daily entry starts every DC whose local batch time has passed; the catch-up re-checks every few
# minutes (and on worker start) so a broker outage at batch time delays the day's run, never loses it.
CELERY_BEAT_SCHEDULE["routing-daily-batch"] = {
    "task": "routing.daily_batch",
    "schedule": crontab(hour=PICKUP_DAILY_BATCH_TIME.hour, minute=PICKUP_DAILY_BATCH_TIME.minute),
}
# The DC floor: a parcel reported missing (or not scanned in by a store a day after dispatch) that is
# still not found this many days later becomes lost, and its merchant is told.
PICKUP_LOST_AFTER_DAYS = env_int("PICKUP_LOST_AFTER_DAYS", 3, minimum=1)
# How long a dispatched parcel may stay in transit without a store's scan-in before the DC looks for it.
PICKUP_IN_TRANSIT_OVERDUE_HOURS = env_int("PICKUP_IN_TRANSIT_OVERDUE_HOURS", 24, minimum=1)
CELERY_BEAT_SCHEDULE["dc-exceptions-sweep"] = {"task": "dc.exceptions_sweep", "schedule": 15 * 60}
# Insight: an hourly check rolls up each DC's day once midnight has passed at the DC and all its stores;
# a stop counts as on time up to this many minutes after its planned arrival.
PICKUP_INSIGHT_ON_TIME_MINUTES = env_int("PICKUP_INSIGHT_ON_TIME_MINUTES", 15, minimum=0)
CELERY_BEAT_SCHEDULE["insight-rollup"] = {"task": "insight.rollup_due", "schedule": crontab(minute=20)}
PICKUP_BATCH_CATCH_UP_SECONDS = env_int("PICKUP_BATCH_CATCH_UP_SECONDS", 5 * 60, minimum=1)
CELERY_BEAT_SCHEDULE["routing-batch-catch-up"] = {
    "task": "routing.batch_catch_up",
    "schedule": timedelta(seconds=PICKUP_BATCH_CATCH_UP_SECONDS),
}
