#!/usr/bin/env bash
# Informal: claim latency when Berth restores 0, 1 MB and 50 MB of state, next to `docker cp` of
# the same data into a container. Runs against a gateway (default: the quickstart's).
#   BERTH_URL=http://127.0.0.1:5080 ROUNDS=5 bash scripts/measure-state.sh
set -euo pipefail
URL="${BERTH_URL:-http://127.0.0.1:5080}"
# An admin or operator key: BERTH_API_KEY, or the quickstart's generated one.
AUTH=(-H "authorization: Bearer ${BERTH_API_KEY:-$(cat "${BERTH_STATE_DIR:-.berth}/admin.key")}")
ROUNDS="${ROUNDS:-5}"
IMAGE="${BERTH_TEST_IMAGE:-berth-busybox:test}"
RUN="s$(date +%s)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] }'; }
ms() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f\n", (e - s) / 1e6 }'; }

curl -sf "${AUTH[@]}" -X PUT "$URL/workloads/state-$RUN" -H 'content-type: application/yaml' --data-binary @- >/dev/null <<YAML
image: $IMAGE
command: ["sleep", "3600"]
volumes: { state: { target: /data } }
sync: { sink: filesystem, max_size: 200m }
pool: { min_size: 3, max_size: 20 }
YAML
sleep 5
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for size in 0 1 50; do
  head -c $((size * 1024 * 1024)) /dev/urandom > "$WORK/blob"
  claims=(); copies=()
  for round in $(seq 1 "$ROUNDS"); do
    tenant="t$size-$round-$RUN"
    cid=$(curl -sf "${AUTH[@]}" -X POST "$URL/tenants/$tenant/claim" -H 'content-type: application/json' -d "{\"workload\":\"state-$RUN\"}" | grep -o '"containerId":"[0-9a-f]*"' | cut -d'"' -f4)
    s=$(date +%s%N); docker cp "$WORK/blob" "$cid:/data/blob" >/dev/null; e=$(date +%s%N)
    copies+=("$(ms "$s" "$e")")
    curl -sf "${AUTH[@]}" -X POST "$URL/tenants/$tenant/release" >/dev/null
    sleep 2   # let the pool refill, so the timed claim is warm plus restore
    s=$(date +%s%N)
    curl -sf "${AUTH[@]}" -X POST "$URL/tenants/$tenant/claim" -H 'content-type: application/json' -d "{\"workload\":\"state-$RUN\"}" >/dev/null
    e=$(date +%s%N)
    claims+=("$(ms "$s" "$e")")
    curl -sf "${AUTH[@]}" -X POST "$URL/tenants/$tenant/release" >/dev/null
  done
  printf "state %3s MB: claim with restore median %8s ms   docker cp median %8s ms   (n=%s)\n" "$size" \
    "$(printf '%s\n' "${claims[@]}" | median)" "$(printf '%s\n' "${copies[@]}" | median)" "$ROUNDS"
done
curl -s "${AUTH[@]}" -o /dev/null -X DELETE "$URL/workloads/state-$RUN"
