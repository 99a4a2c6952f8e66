#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs ffmpeg, Ceph's RADOS Gateway (the
# real S3 server with Object Lock), PostgreSQL and Redis if missing, starts them, then runs vitest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. infra/dev/lib.sh

apt_install ffmpeg curl
npm_install
ensure_redis
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  apt_install postgresql
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi
# start-ceph.sh prints the LIUHEN_TEST_S3_* settings the s3 tests read.
eval "$(bash infra/ceph/start-ceph.sh | sed 's/^/export /')"
exec npx vitest run "$@"
