#!/usr/bin/env python3
"""Side-by-side benchmark of `bulwark sbom` and syft (../shared/PEERS.md).

    python3 bench/sbom.py [--runs 3] [--bulwark PATH]

Inputs: the rich Debian image as docker-archive and OCI layout, and the minbase root
filesystem (the minbase image's layer unpacked into a temp dir). For each tool and input:
best wall time of N runs, peak RSS (GNU time), package counts per ecosystem. Also the
decompression floor: `zcat` of every layer blob of the image, one after another.
Prints a Markdown report (paste into docs/BENCHMARKS.md) and the per-package differences.
"""
import argparse, collections, json, os, re, subprocess, sys, tempfile, time

HOME = os.environ.get("HOME", "/root")
IMAGES = os.environ.get("BULWARK_TEST_IMAGES", f"{HOME}/.cache/bulwark-test-images")
TARGET = os.environ.get("CARGO_TARGET_DIR", f"{HOME}/.cache/bulwark-target")

SYFT_TYPES = {"deb": "deb", "apk": "apk", "rpm": "rpm", "python": "pypi", "npm": "npm",
              "rust-crate": "cargo", "go-module": "golang", "java-archive": "maven",
              "jenkins-plugin": "maven", "gem": "gem", "php-composer": "composer",
              "dotnet": "nuget"}


def timed(cmd, env=None):
    """Runs cmd under GNU time; returns (seconds, peak RSS MiB, stdout)."""
    with tempfile.NamedTemporaryFile("r") as t:
        start = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        secs = time.perf_counter() - start
        if out.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}")
        rss = int(t.read().strip().splitlines()[-1]) / 1024
    return secs, rss, out.stdout


def bulwark(binary, src, runs):
    best = None
    for _ in range(runs):
        secs, rss, out = timed([binary, "sbom", src, "--format", "json", "-q"])
        if best is None or secs < best[0]:
            best = (secs, rss, out)
    doc = json.loads(best[2])
    pkgs = {normalize(p["ecosystem"], p["name"], p["version"]) for p in doc["packages"]}
    return best[0], best[1], pkgs


def normalize(eco, name, version):
    """Spell both tools' packages alike so the diff shows real differences only."""
    if eco == "pypi":
        name = re.sub(r"[-_.]+", "-", name).lower()
    if eco == "maven" and ":" in name:
        name = name.split(":", 1)[1]
    if eco == "golang" and name == "stdlib" and version.startswith("go"):
        version = "v" + version[2:]
    return (eco, name, version)


def syft(src, runs):
    env = dict(os.environ, SYFT_CHECK_FOR_APP_UPDATE="false")
    best = None
    for _ in range(runs):
        secs, rss, out = timed(["syft", src, "-o", "syft-json", "-q"], env)
        if best is None or secs < best[0]:
            best = (secs, rss, out)
    doc = json.loads(best[2])
    pkgs = set()
    for a in doc["artifacts"]:
        eco = SYFT_TYPES.get(a["type"], a["type"])
        name = a["name"]
        if eco == "maven":
            meta = a.get("metadata") or {}
            pom = (meta.get("pomProperties") or {})
            name = pom.get("artifactId") or name
        pkgs.add(normalize(eco, name, a["version"]))
    return best[0], best[1], pkgs


def floor(oci_dir, runs):
    index = json.load(open(f"{oci_dir}/index.json"))
    mdig = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.load(open(f"{oci_dir}/blobs/sha256/{mdig}"))
    blobs = [f"{oci_dir}/blobs/sha256/{l['digest'].split(':')[1]}" for l in manifest["layers"]]
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        for b in blobs:
            subprocess.run(f"zcat {b} > /dev/null", shell=True, check=True)
        secs = time.perf_counter() - start
        best = secs if best is None else min(best, secs)
    return best


def zlib_floor(oci_dir, runs):
    """Single-threaded C zlib (Python's zlib module), decompressing in memory."""
    import zlib
    index = json.load(open(f"{oci_dir}/index.json"))
    mdig = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.load(open(f"{oci_dir}/blobs/sha256/{mdig}"))
    blobs = [open(f"{oci_dir}/blobs/sha256/{l['digest'].split(':')[1]}", "rb").read() for l in manifest["layers"]]
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        for b in blobs:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            view = memoryview(b)
            for i in range(0, len(b), 1 << 20):
                d.decompress(view[i:i + (1 << 20)])
        secs = time.perf_counter() - start
        best = secs if best is None else min(best, secs)
    return best


def counts(pkgs):
    c = collections.Counter(e for e, _, _ in pkgs)
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bulwark", default=f"{TARGET}/release/bulwark")
    args = ap.parse_args()
    rootfs = tempfile.mkdtemp(prefix="bulwark-bench-")
    subprocess.run(["umoci", "raw", "unpack", "--rootless", "--image",
                    f"{IMAGES}/debian-minbase.oci:1", f"{rootfs}/root"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    inputs = [
        ("debian-rich docker-archive", f"docker-archive:{IMAGES}/debian-rich.docker.tar",
         f"docker-archive:{IMAGES}/debian-rich.docker.tar"),
        ("debian-rich OCI layout", f"oci:{IMAGES}/debian-rich.oci:1", f"oci-dir:{IMAGES}/debian-rich.oci"),
        ("debian-minbase rootfs", f"dir:{rootfs}/root", f"dir:{rootfs}/root"),
    ]
    zfloor = floor(f"{IMAGES}/debian-rich.oci", args.runs)
    pyfloor = zlib_floor(f"{IMAGES}/debian-rich.oci", args.runs)
    print(f"decompression floor (zcat of every layer of debian-rich, best of {args.runs}): {zfloor:.2f} s")
    print(f"in-memory C zlib, one thread, same layers: {pyfloor:.2f} s\n")
    print("| input | tool | wall (s) | peak RSS (MiB) | packages | per ecosystem |")
    print("|---|---|---|---|---|---|")
    diffs = []
    for label, bsrc, ssrc in inputs:
        bt, brss, bp = bulwark(args.bulwark, bsrc, args.runs)
        st, srss, sp = syft(ssrc, args.runs)
        print(f"| {label} | bulwark | {bt:.2f} | {brss:.0f} | {len(bp)} | {counts(bp)} |")
        print(f"| {label} | syft 1.18.1 | {st:.2f} | {srss:.0f} | {len(sp)} | {counts(sp)} |")
        print(f"| {label} | ratio | **{st / bt:.1f}x faster** | **{brss / srss:.2f} of syft** | | |")
        diffs.append((label, sorted(bp - sp), sorted(sp - bp)))
    print()
    for label, only_b, only_s in diffs:
        print(f"### {label}: only bulwark ({len(only_b)})")
        for p in only_b:
            print(f"- {p[0]} {p[1]} {p[2]}")
        print(f"### {label}: only syft ({len(only_s)})")
        for p in only_s:
            print(f"- {p[0]} {p[1]} {p[2]}")
    subprocess.run(["rm", "-rf", rootfs])


if __name__ == "__main__":
    main()
