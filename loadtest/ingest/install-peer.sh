#!/usr/bin/env bash
# What bench:ingest needs besides liuhen's own install: ffmpeg, and the peer (nginx + rtmp module).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. infra/dev/lib.sh
apt_install ffmpeg
if [ ! -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]; then
  # Debian starts the stock nginx on install; the benchmark runs its own, so stop that one.
  apt_install nginx libnginx-mod-rtmp
  [ -f /run/nginx.pid ] && nginx -s quit 2>/dev/null || true
fi
npm_install
