#!/usr/bin/env bash
# Stops the daemons of start-ceph.sh by the PIDs in their pid files (never by name: other Ceph
# clusters may run on this machine). The cluster lives in RAM, so its data goes with it.
DIR=${DIR:-/tmp/liuhen-ceph}
for n in client.rgw.a osd.0 mon.a; do
  f="$DIR/run/$n.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
done
true
