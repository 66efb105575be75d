#!/usr/bin/env bash
# Short fuzz run of every target, seeded with real fixtures from $BULWARK_TESTDATA.
#   scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-30}
TD=${BULWARK_TESTDATA:-$(pwd)/../shared/testdata}
FX=$TD/fixtures
export RUSTC_BOOTSTRAP=1
seed() { # TARGET FILES...
  local t=$1; shift
  mkdir -p "fuzz/corpus/$t"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "fuzz/corpus/$t/$(basename "$(dirname "$f")")-$(basename "$f")"; done
}
seed rpm_bdb "$FX"/go-rpmdb/pkg/testdata/*/Packages
seed rpm_ndb "$FX"/go-rpmdb/pkg/testdata/*/Packages.db
seed rpm_header "$FX"/go-rpmdb/pkg/testdata/*/Packages.db
seed go_buildinfo "$FX"/trivy/pkg/dependency/parser/golang/binary/testdata/*
seed layer_walk "$FX"/syft/syft/pkg/cataloger/java/testdata/*.tar 2>/dev/null || true
mkdir -p fuzz/corpus/layer_walk
for t in rpm_header rpm_bdb rpm_ndb go_buildinfo layer_walk signing_formats; do
  echo "==> fuzzing $t for ${SECS}s"
  (cd fuzz && cargo fuzz run "$t" -- -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=1048576) 2>&1 | tail -3
done
