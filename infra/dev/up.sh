#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: install what is missing, start Redis if none answers,
# then run liuhen on its embedded defaults (local WORM directory, SQLite) in the foreground.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. infra/dev/lib.sh

check_node
# The CJK font is the one LIUHEN_FONT_FILE names: party copies burn Chinese names into the picture.
apt_install ffmpeg fonts-wqy-microhei
npm_install
say "building the player"
npm run --silent build:player >/dev/null
ensure_redis
exec node bin/liuhen.js up "$@"
