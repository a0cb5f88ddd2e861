#!/usr/bin/env bash
# One command for the whole benchmark: makes sure Docker and the test image exist, builds in
# Release, starts two Berth deployments on loopback, runs bench/Berth.Bench against them, and
# stops what it started (by pid) and removes the containers they made.
#   - "docker": one silo + gateway on the real engine, SQLite grain storage (the quickstart default)
#   - "control": one silo + gateway whose containers exist only in memory (Berth__ContainerRuntime=Memory),
#     grain storage per BENCH_CONTROL_DB (Memory), to measure the control plane without Docker
#   - "scale": like "control" but with BENCH_SCALE_HOSTS (100) in-memory hosts, for the scale
#     simulation (BENCH_SCALE_TENANTS tenants, 100,000 by default; BENCH_SCALE_HOSTS=0 skips it)
# Extra arguments go to the benchmark (e.g. --rounds 5 --burst 50); results land in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN="$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK="${BENCH_WORK_DIR:-/tmp/berth-bench-$RUN}"
CONTROL_DB="${BENCH_CONTROL_DB:-Memory}"
mkdir -p "$WORK/workloads"
KEY="bk_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"

bash scripts/ensure-docker.sh
bash scripts/ensure-test-image.sh
echo "bench: building (Release)"
dotnet build Orleans.sln -c Release -nologo -v quiet
dotnet build bench/Berth.Bench -c Release -nologo -v quiet

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  done
  # The pools' idle members outlive their silo by design; these are this run's own.
  docker ps -aq --filter "label=berth.cluster=bench-$RUN" | xargs -r docker rm -f -v >/dev/null
  echo "bench: stopped; logs in $WORK"
}
trap cleanup EXIT INT TERM

common() { # name silo-port gateway-port
  export Silo__SiloPort="$2" Silo__GatewayPort="$3" Silo__WorkloadsDirectory="$WORK/workloads"
  export Berth__ClusterId="bench-$RUN" Gateway__ClusterId="bench-$RUN" Gateway__SiloGatewayPorts__0="$3"
  export Auth__BootstrapAdminKey="$KEY" Gateway__RateLimit__PermitsPerSecond=1000000 Gateway__RateLimit__Burst=1000000
}

start() { # name silo-port gateway-port http-port [extra env...]
  local name=$1 silo=$2 gw=$3 http=$4; shift 4
  (
    common "$name" "$silo" "$gw"
    for kv in "$@"; do export "$kv"; done
    mkdir -p "$WORK/$name" && cd "$WORK/$name"
    exec dotnet "$REPO/src/Silo/bin/Release/net10.0/Berth.Silo.dll" >"$WORK/$name-silo.log" 2>&1
  ) &
  PIDS+=($!)
  if [ "$name" = control ]; then CONTROL_SILO_PID=$!; fi
  if [ "$name" = scale ]; then SCALE_SILO_PID=$!; fi
  (
    common "$name" "$silo" "$gw"
    for kv in "$@"; do export "$kv"; done
    mkdir -p "$WORK/$name" && cd "$WORK/$name"
    exec dotnet "$REPO/src/Gateway/bin/Release/net10.0/Berth.Gateway.dll" --urls "http://127.0.0.1:$http" >"$WORK/$name-gateway.log" 2>&1
  ) &
  PIDS+=($!)
  if [ "$name" = control ]; then CONTROL_GATEWAY_PID=$!; fi
}
REPO="$PWD"
CONTROL_GATEWAY_PID=""
CONTROL_SILO_PID=""
SCALE_SILO_PID=""
SCALE_HOSTS="${BENCH_SCALE_HOSTS:-100}"

start docker 11181 30081 5180 "Database__Provider=Sqlite" "Database__ConnectionString=Data Source=$WORK/docker.db"
start control 11182 30082 5181 "Database__Provider=$CONTROL_DB" "Database__ConnectionString=Data Source=$WORK/control.db" \
  "Berth__ContainerRuntime=Memory" "Berth__MaxCreatesInFlightPerPool=64"

PORTS=(5180 5181)
SCALE_ARGS=()
if [ "$SCALE_HOSTS" -gt 0 ]; then
  HOSTS_ENV=()
  for i in $(seq 0 $((SCALE_HOSTS - 1))); do HOSTS_ENV+=("Berth__Hosts__${i}__Id=h$i" "Berth__Hosts__${i}__Endpoint=memory://"); done
  start scale 11183 30083 5182 "Database__Provider=$CONTROL_DB" "Database__ConnectionString=Data Source=$WORK/scale.db" \
    "Berth__ContainerRuntime=Memory" "Berth__MaxCreatesInFlightPerPool=64" "${HOSTS_ENV[@]}"
  PORTS+=(5182)
  SCALE_ARGS=(--scale-gateway http://127.0.0.1:5182 --scale-silo-pid "$SCALE_SILO_PID" --scale-hosts "$SCALE_HOSTS" --scale-tenants "${BENCH_SCALE_TENANTS:-100000}")
fi

for port in "${PORTS[@]}"; do
  ok=0
  for _ in $(seq 1 120); do
    if curl -sf -o /dev/null -H "authorization: Bearer $KEY" "http://127.0.0.1:$port/auth/whoami"; then ok=1; break; fi
    sleep 1
  done
  [ "$ok" = 1 ] || { echo "bench: the gateway on $port did not come up; see $WORK" >&2; exit 1; }
done

dotnet bench/Berth.Bench/bin/Release/net10.0/Berth.Bench.dll \
  --gateway http://127.0.0.1:5180 --control-gateway http://127.0.0.1:5181 --control-silo-pid "$CONTROL_SILO_PID" --control-gateway-pid "$CONTROL_GATEWAY_PID" \
  --key "$KEY" --out "$REPO/bench/results" "${SCALE_ARGS[@]}" "$@"
