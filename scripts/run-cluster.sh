#!/usr/bin/env bash
# A production-shaped Berth on one machine: PostgreSQL (membership, grain state, reminders),
# three silo processes and the HTTP gateway, all on loopback.
#   bash scripts/run-cluster.sh start     # prints the pids and the gateway URL, returns
#   bash scripts/run-cluster.sh status
#   bash scripts/run-cluster.sh stop      # stops what start started (by pid)
# Settings: BERTH_SILOS (3), BERTH_HTTP_PORT (5080), BERTH_PG_* (see ensure-postgres.sh).
# Cluster traffic (silo to silo, gateway to silo) is mutual TLS, as PostgreSQL clustering requires:
# start makes a local CA and one certificate for the silos and the gateway in $STATE_DIR/tls once
# (with openssl; reused afterwards), and every process gets them through Cluster__Tls__*.
# See docs/cluster-tls.md.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE_DIR="${BERTH_STATE_DIR:-$PWD/.berth/cluster}"
SILOS="${BERTH_SILOS:-3}"
HTTP_PORT="${BERTH_HTTP_PORT:-5080}"
export Database__Provider=Postgres
export Database__ConnectionString="Host=127.0.0.1;Port=5432;Username=${BERTH_PG_USER:-berth};Password=${BERTH_PG_PASSWORD:-berth-dev-only};Database=${BERTH_PG_DB:-berth}"
export Berth__ClusterId="${BERTH_CLUSTER_ID:-berth-cluster}"
export Gateway__ClusterId="$Berth__ClusterId"
export Auth__BootstrapKeyFile="${Auth__BootstrapKeyFile:-${BERTH_STATE_DIR:-$PWD/.berth/cluster}/admin.key}"
TLS_DIR="$STATE_DIR/tls"
export Cluster__Tls__Certificate="${Cluster__Tls__Certificate:-$TLS_DIR/node.pem}"
export Cluster__Tls__Key="${Cluster__Tls__Key:-$TLS_DIR/node-key.pem}"
export Cluster__Tls__Ca="${Cluster__Tls__Ca:-$TLS_DIR/ca.pem}"
mkdir -p "$STATE_DIR"

# The cluster's CA and a certificate it signs for every process: extendedKeyUsage serverAuth and
# clientAuth, because a silo both accepts and opens connections. Made once, reused while valid.
ensure_certificates() {
  command -v openssl >/dev/null || { echo "run-cluster: openssl is needed to make the cluster's TLS certificates" >&2; exit 1; }
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  if [ ! -f "$TLS_DIR/ca.pem" ] || [ ! -f "$TLS_DIR/ca-key.pem" ]; then
    rm -f "$TLS_DIR/node.pem" "$TLS_DIR/node-key.pem"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/CN=berth-local-cluster-ca" -keyout "$TLS_DIR/ca-key.pem" -out "$TLS_DIR/ca.pem" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    echo "run-cluster: made the cluster CA $TLS_DIR/ca.pem"
  fi
  # A new node certificate when there is none or it expires within a day.
  if [ ! -f "$TLS_DIR/node.pem" ] || [ ! -f "$TLS_DIR/node-key.pem" ] \
      || ! openssl x509 -checkend 86400 -noout -in "$TLS_DIR/node.pem" >/dev/null 2>&1; then
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" > "$TLS_DIR/node.ext"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=berth-local-node" \
      -keyout "$TLS_DIR/node-key.pem" -out "$TLS_DIR/node.csr" 2>/dev/null
    openssl x509 -req -in "$TLS_DIR/node.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca-key.pem" -CAcreateserial \
      -days 825 -extfile "$TLS_DIR/node.ext" -out "$TLS_DIR/node.pem" 2>/dev/null
    rm -f "$TLS_DIR/node.csr" "$TLS_DIR/node.ext"
    echo "run-cluster: made the node certificate $TLS_DIR/node.pem"
  fi
  chmod 600 "$TLS_DIR"/*-key.pem
}

start() {
  if [ -f "$STATE_DIR/pids" ]; then
    echo "run-cluster: already started (pids in $STATE_DIR/pids); stop it first" >&2
    exit 1
  fi
  BERTH_STATE_DIR=/tmp/berth bash scripts/ensure-docker.sh
  bash scripts/ensure-test-image.sh
  bash scripts/ensure-postgres.sh
  dotnet build Orleans.sln -c Release -nologo -v quiet
  ensure_certificates
  for i in $(seq 1 "$SILOS"); do
    Silo__SiloPort=$((11110 + i)) Silo__GatewayPort=$((30000 + i)) \
      setsid dotnet src/Silo/bin/Release/net10.0/Berth.Silo.dll >"$STATE_DIR/silo$i.log" 2>&1 < /dev/null &
    echo "silo$i $!" >> "$STATE_DIR/pids"
  done
  setsid dotnet src/Gateway/bin/Release/net10.0/Berth.Gateway.dll --urls "http://127.0.0.1:$HTTP_PORT" \
    >"$STATE_DIR/gateway.log" 2>&1 < /dev/null &
  echo "gateway $!" >> "$STATE_DIR/pids"
  ready=0
  for _ in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null; then ready=1; break; fi
    sleep 1
  done
  status
  if [ "$ready" != 1 ]; then
    echo "run-cluster: the gateway did not become ready; last log lines:" >&2
    tail -n 15 "$STATE_DIR"/*.log >&2
    stop
    exit 1
  fi
  echo "run-cluster: gateway on http://127.0.0.1:$HTTP_PORT (logs in $STATE_DIR)"
}

status() {
  [ -f "$STATE_DIR/pids" ] || { echo "run-cluster: not started"; return 0; }
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then echo "$name pid $pid running"; else echo "$name pid $pid stopped"; fi
  done < "$STATE_DIR/pids"
}

stop() {
  [ -f "$STATE_DIR/pids" ] || { echo "run-cluster: not started"; return 0; }
  # SIGTERM: each silo leaves the cluster gracefully and hands its grains over.
  while read -r name pid; do
    kill "$pid" 2>/dev/null && echo "run-cluster: stopping $name ($pid)" || true
  done < "$STATE_DIR/pids"
  while read -r _ pid; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  done < "$STATE_DIR/pids"
  rm -f "$STATE_DIR/pids"
}

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
