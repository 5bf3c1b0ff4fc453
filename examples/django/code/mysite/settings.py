"""Settings for a small Django project run in production mode (DEBUG off) on FC or any WSGI server."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', 'change-me-in-production-0123456789abcdefghijklmnopqrstuvwxyz')
DEBUG = os.environ.get('DJANGO_DEBUG', '') == '1'

# The custom domain, and the server's own address for the HTTP trigger's URL
# (http://127.0.0.1:PORT/2016-08-15/proxy/SERVICE/FUNCTION/...). Django ignores the port.
ALLOWED_HOSTS = os.environ.get('DJANGO_ALLOWED_HOSTS', 'django.localhost,127.0.0.1,localhost').split(',')

INSTALLED_APPS = [
    'django.contrib.staticfiles',
    'notes',
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'whitenoise.middleware.WhiteNoiseMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.middleware.clickjacking.XFrameOptionsMiddleware',
]

ROOT_URLCONF = 'mysite.urls'
WSGI_APPLICATION = 'mysite.wsgi.application'

TEMPLATES = [
    {
        'BACKEND': 'django.template.backends.django.DjangoTemplates',
        'DIRS': [],
        'APP_DIRS': True,
        'OPTIONS': {'context_processors': ['django.template.context_processors.request']},
    },
]

# No database: the app keeps its data in code, and nothing needs migrations.
DATABASES = {}

LANGUAGE_CODE = 'en-us'
TIME_ZONE = 'UTC'
USE_I18N = False
USE_TZ = True

# Static files are served by WhiteNoise from the apps' static/ folders. WHITENOISE_USE_FINDERS reads
# them where they are, so the package needs no `collectstatic` step (the code folder is read-only at
# /code on FC, and FC's build only installs requirements).
STATIC_URL = 'static/'
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600

DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'
