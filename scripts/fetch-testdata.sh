#!/usr/bin/env bash
# Fetches Bulwark's real test data from its public sources at the revisions pinned in
# ../shared/testdata/PROVENANCE.txt, for machines that do not have ../shared.
#
#   scripts/fetch-testdata.sh OUT_DIR
#
# Needs git and network access to github.com. Each repository is fetched at its pinned
# commit (shallow) and the parts Bulwark's tests read are copied under OUT_DIR with the
# same layout as ../shared/testdata (see its README.md).
set -euo pipefail
OUT=${1:?usage: fetch-testdata.sh OUT_DIR}
CACHE=${BULWARK_FETCH_CACHE:-$HOME/.cache/bulwark-testdata-src}
mkdir -p "$OUT" "$CACHE"

fetch() { # REPO COMMIT -> prints checkout dir
  local repo=$1 commit=$2 dir="$CACHE/${1//\//__}"
  if [ ! -d "$dir/.git" ]; then
    git init -q "$dir"
    git -C "$dir" remote add origin "https://github.com/$repo.git"
  fi
  if [ "$(git -C "$dir" rev-parse HEAD 2>/dev/null)" != "$commit" ]; then
    git -C "$dir" fetch -q --depth 1 origin "$commit"
    git -C "$dir" checkout -q FETCH_HEAD
  fi
  echo "$dir"
}

copy() { # SRC DEST
  mkdir -p "$(dirname "$2")"
  rm -rf "$2"
  cp -a "$1" "$2"
}

# Pinned revisions (the same as ../shared/testdata/PROVENANCE.txt).
d=$(fetch pypa/advisory-database 3ccb612573e2511ab5cad7dafecd838605c80cda); copy "$d/vulns" "$OUT/vulndata/pypa-advisory-database/vulns"
d=$(fetch golang/vulndb a752ea54fd1b989d208a270aeef772f55a36b87a); copy "$d/data/osv" "$OUT/vulndata/golang-vulndb/data/osv"
d=$(fetch rustsec/advisory-db bf5c0d245a92671908518d7e765914d437954ed6); copy "$d" "$OUT/vulndata/rustsec-advisory-db"
d=$(fetch alpinelinux/alpine-secdb 06f6e960194f46c2054522e1c6f90298a8c887e1); copy "$d" "$OUT/vulndata/alpine-secdb"
d=$(fetch rubysec/ruby-advisory-db 8cfcc07caea7a1931af181e1c98553e164060da1); copy "$d" "$OUT/vulndata/ruby-advisory-db"
d=$(fetch FriendsOfPHP/security-advisories 73745a61e343b20f230f21a70b97ae77d65ae543); copy "$d" "$OUT/vulndata/php-security-advisories"
d=$(fetch nodejs/security-wg f1288d0d672396dcdc5c62b3cfcef46688097833); copy "$d/vuln" "$OUT/vulndata/nodejs-security-wg/vuln"
d=$(fetch google/osv.dev 7e6c189879195a8aad33ccbf27fe9344f3479632); copy "$d/vulnfeeds/test_data" "$OUT/vulndata/osv.dev-testdata/vulnfeeds/test_data"
d=$(fetch anchore/vunnel 42a1d4233aeb95259ce249778f44dbebc32b9e30); copy "$d/tests" "$OUT/vulndata/vunnel-fixtures"
d=$(fetch CVEDB/security-tracker 32127b7f220cd2d9fd9d0a5bb4affaa90a079ad9)
  copy "$d/data/DSA" "$OUT/vulndata/debian-security-tracker-2023/data/DSA"
  copy "$d/data/DLA" "$OUT/vulndata/debian-security-tracker-2023/data/DLA"
# Scanner fixtures keep their original paths under fixtures/<project>/.
d=$(fetch anchore/syft bf82010f3c38508e30dd01ed8053f158513c0c9d); copy "$d/syft" "$OUT/fixtures/syft/syft"; copy "$d/cmd" "$OUT/fixtures/syft/cmd"
d=$(fetch aquasecurity/trivy dc3c56eed58ab21c7e08d26757c517bc946a86c5); copy "$d/pkg" "$OUT/fixtures/trivy/pkg"; copy "$d/integration" "$OUT/fixtures/trivy/integration"
d=$(fetch google/osv-scalibr c2094f2d68e3994551d9998a54e2e97985a18a39); copy "$d/extractor" "$OUT/fixtures/osv-scalibr/extractor"
d=$(fetch google/osv-scanner add393a2e051ea46b7d94aa96e468bbdde1e621d); copy "$d/cmd" "$OUT/fixtures/osv-scanner/cmd"
d=$(fetch knqyf263/go-rpmdb 7e39c901d1c42d070a7c681b5d36c92ac6c129d6); copy "$d/pkg" "$OUT/fixtures/go-rpmdb/pkg"
# rpmroots: the go-rpmdb databases laid out as root filesystems.
for n in cbl-mariner-2.0 sle15-bci libuuid; do
  mkdir -p "$OUT/fixtures/rpmroots/$n/var/lib/rpm"
  cp -a "$OUT/fixtures/go-rpmdb/pkg/testdata/$n/." "$OUT/fixtures/rpmroots/$n/var/lib/rpm/"
done
# The alpine 3.10 image: trivy's fixture, gunzipped.
mkdir -p "$OUT/images"
gzip -dc "$OUT/fixtures/trivy/pkg/fanal/test/testdata/alpine-310.tar.gz" >"$OUT/images/alpine-310.docker.tar"
# The build script for the Debian test images lives beside the data.
mkdir -p "$OUT/../tools"
[ -e "$OUT/../tools/build-test-images.sh" ] || echo "note: build-test-images.sh is not public; test images must be provided in BULWARK_TEST_IMAGES" >&2
echo "test data fetched into $OUT"
