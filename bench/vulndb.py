#!/usr/bin/env python3
"""Speed of the vulnerability database and of `bulwark scan` (issue 3).

    cargo build --release -p bulwark-cli -p bulwark-vulndb --example rematch
    python3 bench/gen_sboms.py                   # 10,000 SBOMs into /tmp/bulwark-sboms
    python3 bench/vulndb.py [--runs 5] [--sboms /tmp/bulwark-sboms] [--keep-db FILE]

Measures, on this machine (best of N wall times unless said otherwise):
1. `bulwark db build` of every feed under ../shared/testdata/vulndata that has an importer
   (list in SOURCES): build time, database size, keys;
2. database open-and-ready: `Database::open` plus one lookup, in process (the rematch
   example's `--open-only`, median of 20), and a whole process that opens the database and
   matches one one-package SBOM (median of 20);
3. `bulwark scan oci:debian-rich` against `bulwark sbom` of the same image (target: scan at
   most sbom + 0.5 s);
4. re-matching the generated SBOMs with one Matcher, and with one Matcher per core
   (`--threads`; target: 10,000 in under 10 s on 2 cores).
Prints a Markdown report.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

HOME = os.environ.get("HOME", "/root")
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
V = f"{SHARED}/testdata/vulndata"
IMAGES = os.environ.get("BULWARK_TEST_IMAGES", f"{HOME}/.cache/bulwark-test-images")
TARGET = os.environ.get("CARGO_TARGET_DIR", f"{HOME}/.cache/bulwark-target")

SOURCES = [
    f"osv:{V}/pypa-advisory-database/vulns",
    f"osv:{V}/ghsa-subset",
    f"osv:{V}/golang-vulndb/data/osv",
    f"rustsec:{V}/rustsec-advisory-db/crates",
    f"rubysec:{V}/ruby-advisory-db/gems",
    f"friendsofphp:{V}/php-security-advisories",
    f"nodejs-wg:{V}/nodejs-security-wg/vuln/npm",
    f"alpine-secdb:{V}/alpine-secdb-json-2024",
    f"alpine-secdb:{V}/alpine-secdb",
    f"debian-dsa:{V}/debian-security-tracker-2023/data",
    f"debian-tracker:{V}/osv.dev-testdata/vulnfeeds/test_data/debian/debian_security_tracker_mock.json",
    f"ubuntu-oval:{V}/ubuntu-oval",
    f"rhel-oval:{V}/rocky-oval",
    f"nvd:{V}/osv.dev-testdata/vulnfeeds/test_data/nvdcve-1.1-test-data.json",
    f"nvd:{V}/osv.dev-testdata/vulnfeeds/test_data/nvdcve-2.0",
    f"nvd:{V}/osv.dev-testdata/vulnfeeds/test_data/cve5",
]


def run(cmd, **kw):
    """Wall time, peak RSS (MiB) and stdout of cmd (GNU time)."""
    with tempfile.NamedTemporaryFile("r") as t:
        start = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
        secs = time.perf_counter() - start
        if out.returncode != 0:
            sys.exit(f"failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr.decode()[-2000:]}")
        rss = int(t.read().strip().splitlines()[-1]) / 1024
    return secs, rss, out.stdout


def best(cmd, runs):
    results = [run(cmd) for _ in range(runs)]
    return min(results, key=lambda r: r[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bulwark", default=f"{TARGET}/release/bulwark")
    ap.add_argument("--rematch", default=f"{TARGET}/release/examples/rematch")
    ap.add_argument("--sboms", default="/tmp/bulwark-sboms")
    ap.add_argument("--keep-db", help="also copy the database here")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bulwark-vulndb-bench-")
    db = f"{tmp}/vuln.db"

    # 1. build
    build = [args.bulwark, "db", "build", "-q", "-o", db]
    for s in SOURCES:
        build += ["--source", s]
    bt, brss, _ = best(build, min(args.runs, 3))
    size = os.path.getsize(db)
    status = json.loads(subprocess.run([args.bulwark, "db", "status", "--db", db, "--json"],
                                       stdout=subprocess.PIPE, check=True).stdout)
    if args.keep_db:
        subprocess.run(["cp", db, args.keep_db], check=True)

    # 2. open and ready
    out = subprocess.run([args.rematch, "--db", db, "--open-only", "--runs", "20"],
                         stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    tiny = f"{tmp}/tiny.json"
    json.dump({"schema": "bulwark-sbom/1", "target": {"kind": "sbom", "name": "tiny"},
               "distro": {"id": "debian", "version_id": "12"},
               "packages": [{"name": "openssl", "version": "3.0.8-1", "ecosystem": "deb",
                             "purl": "pkg:deb/debian/openssl@3.0.8-1",
                             "source": {"name": "openssl", "version": "3.0.8-1"},
                             "found_by": "dpkg"}]},
              open(tiny, "w"))
    proc = [run([args.rematch, "--db", db, tiny])[0] for _ in range(20)]
    proc_med = statistics.median(proc)

    # 3. scan vs sbom of debian-rich
    image = f"oci:{IMAGES}/debian-rich.oci:1"
    st, srss, sout = best([args.bulwark, "sbom", image, "--format", "json", "-q"], args.runs)
    ct, crss, cout = best([args.bulwark, "scan", image, "--db", db, "--format", "json", "-q"],
                          args.runs)
    npkgs = len(json.loads(sout)["packages"])
    nfind = len(json.loads(cout)["findings"])

    # 4. re-match: one Matcher, then one Matcher per core
    rematch = []
    for threads in (1, os.cpu_count() or 1):
        rm = best([args.rematch, "--db", db, "--threads", str(threads), args.sboms],
                  min(args.runs, 3))
        fields = rm[2].decode().split()
        rematch.append((rm, dict(zip(fields[0::2], fields[1::2]))))

    print(f"Feeds ({len(SOURCES)} sources, {status['advisories']} advisories, {status['keys']} keys): "
          + ", ".join(f"{s['kind']} {s['advisories']}" for s in status["sources"]))
    print()
    print("| what | figure | target |")
    print("|---|---|---|")
    print(f"| `db build`, every feed (best of {min(args.runs, 3)}) | {bt:.2f} s, peak RSS {brss:.0f} MiB | |")
    print(f"| database size | {size / 2**20:.1f} MiB ({size} bytes) | |")
    print(f"| open + one lookup, in process (median of 20) | {out} | |")
    print(f"| process: open + match a 1-package SBOM (median of 20) | {proc_med * 1e3:.1f} ms | |")
    print(f"| `bulwark sbom` debian-rich OCI (best of {args.runs}) | {st:.2f} s, {srss:.0f} MiB, {npkgs} packages | |")
    print(f"| `bulwark scan` debian-rich OCI (best of {args.runs}) | {ct:.2f} s, {crss:.0f} MiB, {nfind} findings | scan - sbom = {ct - st:+.2f} s (target <= +0.5 s) |")
    for rm, r in rematch:
        who = "one Matcher" if r["threads"] == "1" else f"{r['threads']} threads, a Matcher each"
        print(f"| re-match {r['sboms']} SBOMs, {r['packages']} packages, {who} (best of {min(args.runs, 3)}) | "
              f"match {float(r['match_s']):.2f} s = {r['sboms_per_s']} SBOMs/s, {r['findings']} findings; "
              f"JSON parse {float(r['parse_s']):.1f} s apart; whole process {rm[0]:.1f} s, {rm[1]:.0f} MiB | < 10 s |")
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
