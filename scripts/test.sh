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

# Key files written by cosign itself and by sigstore-rs (an independent implementation),
# from the sigstore crate's published test data on crates.io, pinned by checksum.
export BULWARK_FIXTURES=${BULWARK_FIXTURES:-$HOME/.cache/bulwark-fixtures}
SIGSTORE_CRATE=sigstore-0.10.0
SIGSTORE_SHA256=6d91d4a47a41b1bd378a6be69cbe32fc5473be6dfe900afed7a833b6c556142b
if [ ! -e "$BULWARK_FIXTURES/$SIGSTORE_CRATE/.done" ]; then
  echo "==> fetching cosign-generated key fixtures ($SIGSTORE_CRATE from crates.io)"
  mkdir -p "$BULWARK_FIXTURES"
  tmp=$(mktemp)
  curl -sSfL -o "$tmp" "https://static.crates.io/crates/sigstore/$SIGSTORE_CRATE.crate"
  echo "$SIGSTORE_SHA256  $tmp" | sha256sum -c --quiet
  rm -rf "$BULWARK_FIXTURES/$SIGSTORE_CRATE"
  tar xzf "$tmp" -C "$BULWARK_FIXTURES" "$SIGSTORE_CRATE/tests/data/keys"
  rm -f "$tmp"
  touch "$BULWARK_FIXTURES/$SIGSTORE_CRATE/.done"
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked
echo "==> all tests passed"
