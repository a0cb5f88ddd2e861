#!/usr/bin/env bash
# One command from a fresh machine to a running Berth: makes sure a Docker engine and the sample
# image exist, builds, starts one silo (localhost clustering) and the HTTP gateway on 127.0.0.1.
# Ctrl-C stops both. Settings: BERTH_HTTP_PORT (5080), BERTH_WORKLOADS_DIR (./workloads).
set -euo pipefail
cd "$(dirname "$0")/.."

HTTP_PORT="${BERTH_HTTP_PORT:-5080}"
STATE_DIR="${BERTH_STATE_DIR:-$PWD/.berth}"
mkdir -p "$STATE_DIR"
export BERTH_STATE_DIR="$STATE_DIR"
# Grain state, API keys and the audit trail live under the state directory too.
export Database__ConnectionString="${Database__ConnectionString:-Data Source=$STATE_DIR/berth.db}"

bash scripts/ensure-docker.sh
bash scripts/ensure-test-image.sh

echo "run-local: building (Release)"
dotnet build Orleans.sln -c Release -nologo -v quiet

SILO_PID=""
cleanup() {
  if [ -n "$SILO_PID" ] && kill -0 "$SILO_PID" 2>/dev/null; then
    echo "run-local: stopping silo (pid $SILO_PID)"
    kill "$SILO_PID"
    wait "$SILO_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

echo "run-local: starting silo (log: $STATE_DIR/silo.log)"
Silo__WorkloadsDirectory="${BERTH_WORKLOADS_DIR:-$PWD/workloads}" \
  dotnet src/Silo/bin/Release/net10.0/Berth.Silo.dll >"$STATE_DIR/silo.log" 2>&1 &
SILO_PID=$!

# Every endpoint but /healthz and /readyz needs a key: the gateway generates an admin key on
# first start and keeps it in this file (mode 0600).
export Auth__BootstrapKeyFile="${Auth__BootstrapKeyFile:-$STATE_DIR/admin.key}"
echo "run-local: gateway on http://127.0.0.1:$HTTP_PORT  (dashboard: /dashboard/, OpenAPI: /openapi/v1.json)"
echo "run-local: the admin API key is in $Auth__BootstrapKeyFile (written on first start; the dashboard takes it as password)"
echo "run-local: try  curl -X POST http://127.0.0.1:$HTTP_PORT/tenants/alice/claim -H \"authorization: Bearer \$(cat $Auth__BootstrapKeyFile)\" -H 'content-type: application/json' -d '{\"workload\":\"web\"}'"
dotnet src/Gateway/bin/Release/net10.0/Berth.Gateway.dll --urls "http://127.0.0.1:$HTTP_PORT"
