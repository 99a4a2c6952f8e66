#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs ffmpeg, Debian's Chromium (the
# browser tests never download one), Ceph's RADOS Gateway (the real S3 server with Object Lock),
# PostgreSQL and Redis if missing, starts them, builds the player, then runs vitest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. infra/dev/lib.sh

check_node
apt_install ffmpeg curl chromium fonts-wqy-microhei
# systemd-analyze checks the deployment's units (test/medium/deploy-units.test.ts).
apt_install systemd
# The RTSP test camera (test/fixtures/rtsp-camera.py): GStreamer's RTSP server, run by /usr/bin/python3.
apt_install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav gstreamer1.0-tools
npm_install
npm run --silent build:player >/dev/null
ensure_redis
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  apt_install postgresql
  # The tests connect as postgres over loopback without a password, as on the CI machines.
  hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -1)
  grep -q 'liuhen-tests' "$hba" || $SUDO sed -i '1i host all postgres 127.0.0.1/32 trust # liuhen-tests' "$hba"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main restart
fi
# start-ceph.sh prints the LIUHEN_TEST_S3_* settings the s3 tests read; a cluster earlier runs filled
# is replaced before any test uses it.
eval "$(RESTART_IF_FULL=1 bash infra/ceph/start-ceph.sh | grep -E '^LIUHEN_TEST_S3_[A-Z0-9_]+=' | sed 's/^/export /')"
if [ $# -eq 0 ]; then
  # The live H.265 wall plays a feed (640x360, x265 encoding it in real time) that the in-process
  # workers turn into renditions and marked variants as each segment is sealed: beside the forensic
  # files it starves and stalls, so it runs alone, after the rest.
  alone=test/players/h265-camera.test.ts
  npx vitest run --exclude "$alone"
  exec npx vitest run "$alone"
fi
exec npx vitest run "$@"
