#!/usr/bin/env bash
# One command from a fresh machine to the whole test suite: installs and starts what the tests
# need (Docker engine, busybox test image, PostgreSQL with a role that may create databases, an
# S3 API server on loopback, Debian's chromium for the operator page),
# reusing whatever already runs, then runs every test. Docker-, PostgreSQL- and Chromium-backed tests
# fail (not skip) when BERTH_REQUIRE_DOCKER=1 / BERTH_REQUIRE_POSTGRES=1 / BERTH_REQUIRE_CHROMIUM=1,
# which this script sets.
set -euo pipefail
cd "$(dirname "$0")/.."

export BERTH_STATE_DIR="${BERTH_STATE_DIR:-/tmp/berth}"
export BERTH_REQUIRE_DOCKER=1
export BERTH_REQUIRE_POSTGRES=1
export BERTH_REQUIRE_S3=1
export BERTH_REQUIRE_CHROMIUM=1
bash scripts/ensure-docker.sh
bash scripts/ensure-test-image.sh
bash scripts/ensure-postgres.sh
bash scripts/ensure-s3rver.sh
bash scripts/ensure-chromium.sh

RESULTS="$(mktemp -d)"
set +e
dotnet test Orleans.sln -c Release -nologo \
  --logger "console;verbosity=normal" 2>&1 | tee "$RESULTS/test.log"
STATUS=${PIPESTATUS[0]}
set -e

# Failures again, just above the summary, so that a reader of only the run's tail sees which tests
# failed and why (each block cut to its first lines: the message and the top of the stack).
awk '
  /^  Failed / { infail = 1; lines = 0; if (!shown) { print "=== failed tests ==="; shown = 1 } }
  /^  (Passed|Skipped) / || /^Total tests: / || /^\[xUnit/ { infail = 0 }
  infail && lines < 40 { print; lines++ }
' "$RESULTS/test.log"

# A closing line any reader can count, summed over the runner's per-assembly summaries, which
# read "Passed!  - Failed: 0, Passed: 42, ..." or, at normal verbosity, "Total tests: 42" followed
# by "Passed: 42" / "Failed: 1" / "Skipped: 1" lines.
awk '
  /(Passed|Failed)! +- Failed: / {
    gsub(/,/, "");
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i + 1);
      if ($i == "Passed:") p += $(i + 1);
      if ($i == "Skipped:") s += $(i + 1);
    }
    seen = 1; next
  }
  /^Total tests: / { seen = 1; insummary = 1; next }
  insummary && /^ +Passed: [0-9]+$/ { p += $2; next }
  insummary && /^ +Failed: [0-9]+$/ { f += $2; next }
  insummary && /^ +Skipped: [0-9]+$/ { s += $2; next }
  { insummary = 0 }
  END {
    if (!seen) { print "no test summary found: counting the run as failed"; f += 1 }
    printf "%d passed, %d failed, %d skipped\n", p, f, s
  }
' "$RESULTS/test.log"
if [ "$STATUS" -eq 0 ] && ! grep -qE "^Total tests: |(Passed|Failed)! +- " "$RESULTS/test.log"; then
  STATUS=1
fi
exit "$STATUS"
