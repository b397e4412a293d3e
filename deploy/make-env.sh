#!/bin/sh
# Prints an .env for docker-compose.yml with fresh random secrets:  sh deploy/make-env.sh > .env
# Hex only, so they are safe inside URLs (REDIS_URL, MC_HOST_local) and config files. Keep .env private.
set -eu
secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
cat <<ENV
REDIS_PASSWORD=$(secret)
MINIO_ROOT_PASSWORD=$(secret)
ZEROSHOT_WORKER_S3_SECRET=$(secret)
ZEROSHOT_PRODUCER_S3_SECRET=$(secret)
GRAFANA_ADMIN_PASSWORD=$(secret)
ZEROSHOT_DASHBOARD_PASSWORD=$(secret)
ENV
