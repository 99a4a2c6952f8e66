#!/usr/bin/env bash
# One-node Ceph (1 mon, 1 memstore OSD, 1 RGW; no mgr, no cephx) on loopback, for the tests of the
# s3 evidence store: Ceph's RGW enforces Object Lock, which fake S3 servers do not.
# Env: DIR (default /tmp/liuhen-ceph), RGW_PORT (default 7480), RESTART_IF_FULL (below). Idempotent;
# safe to run in parallel.
set -euo pipefail
DIR=${DIR:-/tmp/liuhen-ceph}
RGW_PORT=${RGW_PORT:-7480}
MON_ADDR=127.0.0.1
# Fixed test credentials, not secrets: the user only exists on this loopback, in-RAM cluster.
ACCESS_KEY=CIACCESSKEY000000000
SECRET_KEY=CIsecretkey0000000000000000000000000000
ENDPOINT="http://127.0.0.1:$RGW_PORT"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
t0=$(date +%s%N)
ts() { local ms=$(( ($(date +%s%N) - t0) / 1000000 )); printf '[%d.%03ds] %s\n' $((ms/1000)) $((ms%1000)) "$*" >&2; }

print_settings() {
  echo "LIUHEN_TEST_S3_ENDPOINT=$ENDPOINT"
  echo "LIUHEN_TEST_S3_REGION=us-east-1"
  echo "LIUHEN_TEST_S3_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "LIUHEN_TEST_S3_SECRET_ACCESS_KEY=$SECRET_KEY"
}
# A signed ListBuckets proves both that RGW is up and that the ci user exists. RGW rejects the
# signature unless x-amz-content-sha256 is sent, which curl only signs when given explicitly.
rgw_ready() {
  curl -fs -o /dev/null --max-time 3 -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$ACCESS_KEY:$SECRET_KEY" "$ENDPOINT/"
}

# A cluster left running by earlier runs keeps their buckets in RAM (objects under Object Lock cannot
# be deleted for a day) until its OSD is full, and then every write hangs. With RESTART_IF_FULL=1 (the
# test command, before any test uses the cluster) a full one is stopped and a new one started.
if [ "${RESTART_IF_FULL:-}" = 1 ] && [ -f "$DIR/ceph.conf" ] && command -v ceph >/dev/null \
  && timeout 20 ceph -c "$DIR/ceph.conf" health 2>/dev/null | grep -q 'full osd'; then
  ts "the cluster in $DIR is full: starting a new one"
  DIR="$DIR" bash "$HERE/stop-ceph.sh"
fi
if command -v curl >/dev/null && rgw_ready; then print_settings; exit 0; fi

if ! command -v radosgw >/dev/null || ! command -v curl >/dev/null; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  APT=(apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600
       radosgw ceph-mon ceph-osd uuid-runtime curl)
  ts "installing ceph packages"
  # apt talks on stdout, and stdout here is only the settings the caller evaluates.
  { $SUDO env DEBIAN_FRONTEND=noninteractive "${APT[@]}" \
    || { $SUDO apt-get update -o DPkg::Lock::Timeout=600 && $SUDO env DEBIAN_FRONTEND=noninteractive "${APT[@]}"; }; } >&2
fi

# Several test workers may start at once; only one may build the cluster, the others wait for it.
mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.lock"
flock -w 300 9
if rgw_ready; then print_settings; exit 0; fi

# Whatever is left in DIR is a dead or half-started cluster: stop its daemons before wiping it.
DIR="$DIR" bash "$HERE/stop-ceph.sh"
rm -rf "$DIR"; mkdir -p "$DIR"/{mon.a,osd.0,run,log,rgw.a}
FSID=$(uuidgen)
cat > "$DIR/ceph.conf" <<EOF
[global]
fsid = $FSID
mon host = [v2:$MON_ADDR:3300,v1:$MON_ADDR:6789]
mon initial members = a
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
pid file = $DIR/run/\$name.pid
keyring = $DIR/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
ms bind ipv6 = false
[mon]
mon data = $DIR/mon.\$id
mon data avail warn = 1
mon data avail crit = 1
# the mon otherwise waits 1 s before committing each proposal, which dominates start time
paxos propose interval = 0.05
paxos min wait = 0.01
[osd]
osd data = $DIR/osd.\$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd journal size = 100
osd max object name len = 460
osd max object namespace len = 64
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $DIR/rgw.a
rgw dns name = localhost
rgw enable usage log = false
rgw thread pool size = 64
# radosgw defaults ms_mon_client_mode=secure, which auth=none cannot satisfy (auth -13 loop)
ms mon client mode = crc
EOF
CONF=(-c "$DIR/ceph.conf")

ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$DIR/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
monmaptool --create --addv a "[v2:$MON_ADDR:3300,v1:$MON_ADDR:6789]" --fsid "$FSID" "$DIR/monmap" >/dev/null
ceph-mon "${CONF[@]}" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring"
ceph-mon "${CONF[@]}" -i a
timeout 60 ceph "${CONF[@]}" mon stat >/dev/null
ts "mon answering"

OSD_UUID=$(uuidgen)
ID=$(ceph "${CONF[@]}" osd new "$OSD_UUID")
ceph-osd "${CONF[@]}" -i "$ID" --mkfs --osd-uuid "$OSD_UUID" >"$DIR/log/osd-mkfs.out" 2>&1 \
  || { tail -20 "$DIR/log/osd-mkfs.out" >&2; exit 1; }
ceph-osd "${CONF[@]}" -i "$ID"
for _ in $(seq 1 120); do
  ceph "${CONF[@]}" osd dump 2>/dev/null | grep -q "^osd.$ID up" && break; sleep 0.5
done
ceph "${CONF[@]}" osd dump | grep -q "^osd.$ID up" || { tail -20 "$DIR/log/osd.$ID.log" >&2; exit 1; }
ts "osd.$ID up"

radosgw "${CONF[@]}" -n client.rgw.a
for _ in $(seq 1 240); do
  curl -fs -o /dev/null "$ENDPOINT/" && break; sleep 0.5
done
curl -fs -o /dev/null "$ENDPOINT/" || { tail -20 "$DIR/log/client.rgw.a.log" >&2; exit 1; }
ts "rgw answering on $ENDPOINT"
radosgw-admin "${CONF[@]}" user create --uid=ci --display-name=ci \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null
for _ in $(seq 1 40); do rgw_ready && break; sleep 0.25; done
rgw_ready || { echo "RGW does not accept the ci user" >&2; exit 1; }
ts "S3 user ci ready"
print_settings
