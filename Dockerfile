# The production image: one image, three roles (migrate, web, worker), chosen by the command.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY engage ./engage
COPY nlp ./nlp
COPY migrations ./migrations
RUN pip install -e . \
 && useradd --system --uid 10001 --home /app engage \
 && mkdir -p /app/.engage && chown engage /app/.engage
USER engage
ENV ENGAGE_HOST=0.0.0.0 ENGAGE_PORT=8000 ENGAGE_DEMO_DATA=false ENGAGE_SECURE_COOKIES=true
EXPOSE 8000
CMD ["engage", "web"]
