#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock (or $DOCKER_HOST).
# Reuses a running engine; installs docker.io with apt-get and starts dockerd
# when absent and we are root; otherwise says exactly what is missing.
set -euo pipefail

SOCK="${BERTH_DOCKER_SOCKET:-/var/run/docker.sock}"
LOG_DIR="${BERTH_STATE_DIR:-/tmp/berth}"
mkdir -p "$LOG_DIR"

engine_answers() { [ -S "$SOCK" ] && docker -H "unix://$SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_answers; then
  echo "ensure-docker: engine already running on $SOCK ($(docker -H "unix://$SOCK" version --format '{{.Server.Version}}'))"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "ensure-docker: no Docker engine answers on $SOCK and we are not root; start dockerd (or set BERTH_DOCKER_SOCKET) and retry" >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing docker.io with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io >/dev/null
fi

# A dockerd that is still starting or shutting down holds the pid file: wait for it to answer
# or to exit, then clear a stale pid file left by one that died.
PIDFILE=/var/run/docker.pid
if [ -f "$PIDFILE" ]; then
  OLD_PID="$(cat "$PIDFILE" 2>/dev/null || true)"
  for _ in $(seq 1 120); do
    if engine_answers; then echo "ensure-docker: engine answered (pid $OLD_PID)"; exit 0; fi
    if [ -z "$OLD_PID" ] || ! kill -0 "$OLD_PID" 2>/dev/null; then break; fi
    sleep 0.5
  done
  if [ -n "$OLD_PID" ] && kill -0 "$OLD_PID" 2>/dev/null; then
    echo "ensure-docker: dockerd pid $OLD_PID is running but does not answer on $SOCK; stop it or set BERTH_DOCKER_SOCKET" >&2
    exit 1
  fi
  rm -f "$PIDFILE"
fi

echo "ensure-docker: starting dockerd (log: $LOG_DIR/dockerd.log)"
# setsid detaches dockerd from this shell's process group, so it survives the script.
setsid dockerd -H "unix://$SOCK" >>"$LOG_DIR/dockerd.log" 2>&1 < /dev/null &
echo $! > "$LOG_DIR/dockerd.pid"

for _ in $(seq 1 120); do
  if engine_answers; then
    echo "ensure-docker: engine up ($(docker -H "unix://$SOCK" version --format '{{.Server.Version}}'), pid $(cat "$LOG_DIR/dockerd.pid"))"
    exit 0
  fi
  sleep 0.5
done
echo "ensure-docker: dockerd did not answer within 60 s; last log lines:" >&2
tail -n 30 "$LOG_DIR/dockerd.log" >&2
exit 1
