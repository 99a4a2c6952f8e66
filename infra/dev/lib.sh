# Shared by up.sh and test.sh: install what is missing from Debian's packages and npm, start Redis.
# Sourced, not run. Everything is idempotent so that a second run only checks.
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo

say() { echo "liuhen: $*" >&2; }

# Debian 12 ships Node 18; liuhen needs 20 or 22+ (README: "Node.js").
check_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -ne 20 ] && [ "$major" -lt 22 ]; then
    say "Node.js 20 or 22+ is needed, found $(node --version 2>/dev/null || echo none); see README, section Node.js"
    exit 1
  fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "liuhen: installing ${missing[*]}" >&2
  local APT=(apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}")
  $SUDO env DEBIAN_FRONTEND=noninteractive "${APT[@]}" \
    || { $SUDO apt-get update -o DPkg::Lock::Timeout=600 && $SUDO env DEBIAN_FRONTEND=noninteractive "${APT[@]}"; }
}

npm_install() {
  # What was installed is current when it was installed from this very lock: its hash is kept beside
  # the packages. (Not file times: a checkout of another branch, or a git worktree sharing the
  # packages, rewrites the lock's time with the same content, and `npm ci` would empty node_modules.)
  # `npm ci`: exactly the committed lock, which it never rewrites.
  local lock_sum
  lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat node_modules/.liuhen-lock.sha256 2>/dev/null)" != "$lock_sum" ]; then
    # better-sqlite3 builds from source where no prebuilt binary fits: it needs a C++ toolchain.
    apt_install g++ make python3
    say "installing npm packages (the first time about a minute)"
    npm ci --no-audit --no-fund
    echo "$lock_sum" >node_modules/.liuhen-lock.sha256
  fi
}

redis_answers() { local port=${1:-6379}; [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; }

ensure_redis() {
  redis_answers && return 0
  apt_install redis-server redis-tools
  echo "liuhen: starting redis-server on 127.0.0.1:6379" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis_answers && return 0; sleep 0.1; done
  echo "liuhen: redis-server did not answer on 6379" >&2; return 1
}
