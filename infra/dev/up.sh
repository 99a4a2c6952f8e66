#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: install what is missing, start Redis if none answers,
# then run liuhen on its embedded defaults (local WORM directory, SQLite) in the foreground.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. infra/dev/lib.sh

apt_install ffmpeg
npm_install
npm run --silent build:player >/dev/null
ensure_redis
exec node bin/liuhen.js up "$@"
