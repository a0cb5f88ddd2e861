#!/usr/bin/env bash
# Informal claim latencies against a running gateway, next to `docker run` of the same image.
# Not the benchmark harness (that is bench/): sequential loops, client-side wall time via curl.
#   BERTH_URL=http://127.0.0.1:5080 N=100 bash scripts/measure-claims.sh
set -euo pipefail
URL="${BERTH_URL:-http://127.0.0.1:5080}"
# An admin or operator key: BERTH_API_KEY, or the quickstart's generated one.
AUTH=(-H "authorization: Bearer ${BERTH_API_KEY:-$(cat "${BERTH_STATE_DIR:-.berth}/admin.key")}")
N="${N:-100}"
IMAGE="${BERTH_TEST_IMAGE:-berth-busybox:test}"
RUN="m$(date +%s)"

stats() { # prints p50 p90 p99 max of milliseconds on stdin
  sort -n | awk '{ v[NR] = $1 } END {
    printf "p50 %7.1f ms   p90 %7.1f ms   p99 %7.1f ms   max %7.1f ms   (n=%d)\n",
      v[int(NR * 0.50 + 0.5)], v[int(NR * 0.90 + 0.5)], v[int(NR * 0.99 + 0.5)], v[NR], NR }'
}

put_workload() { # id min max
  curl -sf "${AUTH[@]}" -X PUT "$URL/workloads/$1" -H 'content-type: application/yaml' --data-binary @- >/dev/null <<YAML
image: $IMAGE
command: ["sleep", "3600"]
deploy: { resources: { limits: { memory: 16m } } }
pool: { min_size: $2, max_size: $3 }
YAML
}

claim_ms() { # tenant workload -> ms (and checks the answer's source)
  local out
  out=$(curl -s "${AUTH[@]}" -o /tmp/berth-claim.json -w '%{http_code} %{time_total}' -X POST "$URL/tenants/$1/claim" \
    -H 'content-type: application/json' -d "{\"workload\":\"$2\"}")
  [ "${out%% *}" = "200" ] || { echo "claim failed: $out $(cat /tmp/berth-claim.json)" >&2; exit 1; }
  grep -o '"source":"[a-z]*"' /tmp/berth-claim.json | cut -d'"' -f4 >> "/tmp/berth-sources-$2"
  awk -v t="${out#* }" 'BEGIN { printf "%.2f\n", t * 1000 }'
}

wait_gone() { # workload: until Docker has removed all its containers, so phases do not overlap
  for _ in $(seq 1 600); do
    [ -z "$(docker ps -aq --filter "label=berth.workload=$1")" ] && return 0
    sleep 0.5
  done
}

wait_idle() { # workload count
  for _ in $(seq 1 600); do
    curl -s "${AUTH[@]}" "$URL/pools/$1" | grep -q "\"idle\":$2," && return 0
    sleep 0.5
  done
  echo "pool $1 never reached $2 idle" >&2; exit 1
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

warm_phase() { # name max label: N sequential claims from a pool warmed to N idle
  put_workload "$1-$RUN" "$N" "$2"
  wait_idle "$1-$RUN" "$N"
  for i in $(seq 1 "$N"); do claim_ms "$1$i-$RUN" "$1-$RUN"; done > "/tmp/berth-$1.txt"
  echo -n "$3"; stats < "/tmp/berth-$1.txt"
  echo "               sources: $(sort "/tmp/berth-sources-$1-$RUN" | uniq -c | xargs)"
  for i in $(seq 1 "$N"); do curl -s "${AUTH[@]}" -o /dev/null -X POST "$URL/tenants/$1$i-$RUN/release"; done
  curl -s "${AUTH[@]}" -o /dev/null -X DELETE "$URL/workloads/$1-$RUN"
  wait_gone "$1-$RUN"
}

# Warm, quiet: max_size = N, so claimed members leave no room to refill and no container is
# created while the loop runs (the claim path alone).
warm_phase quiet "$N" "warm claim, no refill running : "
# Warm, refilling: max_size = 2N, so every claim starts a background create (Docker busy meanwhile).
warm_phase warm "$((N * 2))" "warm claim, refill running    : "

# Cold: an empty pool; each claim creates, starts and checks its container. Released untimed.
put_workload "cold-$RUN" 0 "$((N * 2))"
for i in $(seq 1 "$N"); do
  claim_ms "c$i-$RUN" "cold-$RUN"
  curl -s "${AUTH[@]}" -o /dev/null -X POST "$URL/tenants/c$i-$RUN/release"
done > /tmp/berth-cold.txt
echo -n "cold claim                    : "; stats < /tmp/berth-cold.txt
echo "               sources: $(sort /tmp/berth-sources-cold-$RUN | uniq -c | xargs)"
curl -s "${AUTH[@]}" -o /dev/null -X DELETE "$URL/workloads/cold-$RUN"
wait_gone "cold-$RUN"

# Baseline: docker run -d of the same image and limits (create + start), removed untimed.
for i in $(seq 1 "$N"); do
  s=$(date +%s%N)
  id=$(docker run -d --memory 16m --cap-drop ALL --security-opt no-new-privileges --pids-limit 256 "$IMAGE" sleep 3600)
  e=$(date +%s%N)
  docker rm -f "$id" >/dev/null
  awk -v d="$((e - s))" 'BEGIN { printf "%.2f\n", d / 1e6 }'
done > /tmp/berth-docker.txt
echo -n "docker run -d (create+start) : "; stats < /tmp/berth-docker.txt
rm -f /tmp/berth-sources-*-"$RUN"
