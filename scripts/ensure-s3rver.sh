#!/usr/bin/env bash
# Makes sure an S3 API server (the npm package s3rver) answers on 127.0.0.1:PORT, for the s3
# snapshot sink's tests and for local runs. Reuses one that already answers there; otherwise
# installs s3rver with npm into a project-local folder (never committed) and starts it in the
# background with a data directory and a pid file. It only ever binds to and probes loopback.
#
# Usage: scripts/ensure-s3rver.sh [PORT]          (default: $BERTH_S3RVER_PORT or 4569)
#        scripts/ensure-s3rver.sh --stop [PORT]   (stops the one this script started)
# Settings: BERTH_S3RVER_PORT (4569), BERTH_S3RVER_VERSION (3.7.1),
#           BERTH_S3RVER_HOME (install folder, default <repo>/.berth/s3rver),
#           BERTH_STATE_DIR (/tmp/berth: pid file, log and data under s3rver-PORT/).
# Credentials are s3rver's fixed ones: access key S3RVER, secret key S3RVER.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
STOP=0
if [ "${1:-}" = "--stop" ]; then STOP=1; shift; fi
PORT="${1:-${BERTH_S3RVER_PORT:-4569}}"
case "$PORT" in ''|*[!0-9]*) echo "ensure-s3rver: port '$PORT' is not a number" >&2; exit 2 ;; esac
ADDRESS=127.0.0.1
VERSION="${BERTH_S3RVER_VERSION:-3.7.1}"
HOME_DIR="${BERTH_S3RVER_HOME:-$REPO/.berth/s3rver}"
STATE_DIR="${BERTH_STATE_DIR:-/tmp/berth}/s3rver-$PORT"
PIDFILE="$STATE_DIR/s3rver.pid"
LOG="$STATE_DIR/s3rver.log"
DATA="$STATE_DIR/data"
BIN="$HOME_DIR/node_modules/s3rver/bin/s3rver.js"

# Any HTTP status means an S3 server listens (an unsigned ListBuckets gets 403 from s3rver).
answers() {
  node -e '
    const req = require("http").get({ host: process.argv[1], port: +process.argv[2], path: "/", timeout: 2000 },
      res => { res.resume(); process.exit(res.statusCode > 0 ? 0 : 1); });
    req.on("timeout", () => { req.destroy(); process.exit(1); });
    req.on("error", () => process.exit(1));' "$ADDRESS" "$PORT" 2>/dev/null
}

running_pid() {
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

if [ "$STOP" = 1 ]; then
  PID="$(running_pid)"
  if [ -n "$PID" ]; then
    kill "$PID" && echo "ensure-s3rver: stopped pid $PID on $ADDRESS:$PORT"
  else
    echo "ensure-s3rver: none started by this script runs on port $PORT"
  fi
  rm -f "$PIDFILE"
  exit 0
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then
    echo "ensure-s3rver: node and npm are needed and we are not root; install nodejs and npm and retry" >&2
    exit 1
  fi
  echo "ensure-s3rver: installing nodejs and npm with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq nodejs npm >/dev/null
fi

if answers; then
  echo "ensure-s3rver: already answering on http://$ADDRESS:$PORT (pid $(running_pid || true))"
  exit 0
fi

if [ ! -f "$BIN" ] || ! grep -q "\"version\": \"$VERSION\"" "$HOME_DIR/node_modules/s3rver/package.json" 2>/dev/null; then
  echo "ensure-s3rver: installing s3rver@$VERSION with npm into $HOME_DIR (node $(node --version))"
  mkdir -p "$HOME_DIR"
  [ -f "$HOME_DIR/package.json" ] || echo '{ "name": "berth-s3rver", "private": true }' > "$HOME_DIR/package.json"
  npm install --prefix "$HOME_DIR" --no-audit --no-fund --loglevel=error "s3rver@$VERSION" >/dev/null
fi

# A server this script started may still be coming up: give it time before starting another.
OLD_PID="$(running_pid)"
if [ -n "$OLD_PID" ]; then
  for _ in $(seq 1 40); do
    if answers; then echo "ensure-s3rver: pid $OLD_PID answered on http://$ADDRESS:$PORT"; exit 0; fi
    kill -0 "$OLD_PID" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$OLD_PID" 2>/dev/null; then
    echo "ensure-s3rver: pid $OLD_PID runs but does not answer on $ADDRESS:$PORT; see $LOG" >&2
    exit 1
  fi
fi
rm -f "$PIDFILE"

mkdir -p "$DATA"
echo "ensure-s3rver: starting s3rver@$VERSION on http://$ADDRESS:$PORT (data: $DATA, log: $LOG)"
# setsid detaches it from this shell's process group, so it outlives the script.
# --no-vhost-buckets: clients must use path-style URLs (ForcePathStyle), the only style that
# works on a bare IP address anyway.
setsid node "$BIN" --directory "$DATA" --address "$ADDRESS" --port "$PORT" --silent --no-vhost-buckets \
  >>"$LOG" 2>&1 < /dev/null &
echo $! > "$PIDFILE"

for _ in $(seq 1 120); do
  if answers; then
    echo "ensure-s3rver: up on http://$ADDRESS:$PORT (pid $(cat "$PIDFILE"))"
    exit 0
  fi
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then break; fi
  sleep 0.25
done
echo "ensure-s3rver: s3rver did not answer on $ADDRESS:$PORT; last log lines:" >&2
tail -n 30 "$LOG" >&2 || true
exit 1
