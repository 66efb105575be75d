#!/usr/bin/env bash
# Runs Bulwark's whole test suite: formatting, lints, unit and integration tests.
#
#   scripts/test.sh            (from the repository root)
#
# Real data comes from $BULWARK_TESTDATA (default ../shared/testdata); when that is
# missing it is fetched at the pinned revisions (scripts/fetch-testdata.sh). The real
# Debian test images are built once into $BULWARK_TEST_IMAGES
# (default ~/.cache/bulwark-test-images) by ../shared/tools/build-test-images.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/bulwark-target}
export BULWARK_TESTDATA=${BULWARK_TESTDATA:-$ROOT/../shared/testdata}
export BULWARK_TEST_IMAGES=${BULWARK_TEST_IMAGES:-$HOME/.cache/bulwark-test-images}

if [ ! -d "$BULWARK_TESTDATA/fixtures" ]; then
  echo "==> test data not found at $BULWARK_TESTDATA; fetching it"
  bash scripts/fetch-testdata.sh "$BULWARK_TESTDATA"
fi
if [ ! -e "$BULWARK_TEST_IMAGES/.done" ]; then
  echo "==> building the real test images into $BULWARK_TEST_IMAGES"
  TOOLS=$(cd "$BULWARK_TESTDATA/.." && pwd)/tools
  bash "$TOOLS/build-test-images.sh" "$BULWARK_TEST_IMAGES"
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked
echo "==> all tests passed"
