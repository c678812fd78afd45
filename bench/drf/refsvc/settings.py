"""Settings of the reference DRF service (bench only): the Django deployment our API replaces.

Reads the same environment as the benchmark gives our API: DATABASE_URL (postgresql://...),
SECRET_KEY (shared, so a token from either service is valid on the other), TIME_ZONE.
"""

import os
from urllib.parse import urlparse

_db = urlparse(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/booking"))

SECRET_KEY = os.environ.get("SECRET_KEY", "reference-drf-development-key-0123456789")
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "refsvc.urls"
WSGI_APPLICATION = "refsvc.wsgi.application"
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
LANGUAGE_CODE = "en-us"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
MEDIA_URL = "/media/"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "refsvc.booking",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": str(_db.port or 5432),
        # The deployment being compared keeps its connections (one per worker thread).
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "refsvc.booking.pagination.Pagination",
}

SIMPLE_JWT = {"SIGNING_KEY": SECRET_KEY, "USER_ID_CLAIM": "user_id"}

# DRF's deployment logs nothing per request (gunicorn without --access-logfile).
LOGGING = {"version": 1, "disable_existing_loggers": False}
