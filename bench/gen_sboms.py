#!/usr/bin/env python3
"""Generates many Bulwark-JSON SBOMs from REAL package lists, for the re-match benchmark.

    python3 bench/gen_sboms.py [--count 10000] [--size 150] [--out /tmp/bulwark-sboms]
                               [--bulwark PATH] [--seed 1]

Package pools (all real, as `bulwark sbom --format json` reports them):
- Debian 12 packages of the debian-rich and debian-minbase images (OCI layouts);
- Alpine 3.10 packages of ../shared/testdata/images/alpine-310.docker.tar;
- language packages: those of debian-rich (PyPI, npm, Go, Maven, gems, Composer, NuGet)
  and of every lock file under ../shared/testdata/lockfiles (Cargo.lock, package-lock.json,
  composer.lock, requirements.txt, Pipfile.lock, Gemfile.lock), each put in its own
  directory under its real file name and scanned with `bulwark sbom dir:ROOT`.

Each generated SBOM has one OS (3 in 4 Debian 12, 1 in 4 Alpine 3.10; `target` and
`distro` taken from that image's SBOM) and about `--size` packages: ~100 Debian packages
(all 14 Alpine ones) sampled from that OS's pool, the rest language packages sampled from
the language pool, each ecosystem's share in proportion to the square root of its pool
size (so Cargo.lock crates, the largest pool, do not crowd out the rest). Lock-file kinds
Bulwark does not catalog (Gemfile.lock, requirements.txt, Pipfile.lock at the time of
writing) add nothing. Seeded, so the set is the same every run. Writes OUT/NNNNN.json.
"""
import argparse, json, os, random, shutil, subprocess, sys, tempfile

HOME = os.environ.get("HOME", "/root")
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
IMAGES = os.environ.get("BULWARK_TEST_IMAGES", f"{HOME}/.cache/bulwark-test-images")
TARGET = os.environ.get("CARGO_TARGET_DIR", f"{HOME}/.cache/bulwark-target")
LOCKFILES = f"{SHARED}/testdata/lockfiles"

# Lock-file kind (PROVENANCE.tsv) and stored file suffix -> the name a project has it under.
LOCK_NAMES = [("cargo", ".lock", "Cargo.lock"), ("npm", ".json", "package-lock.json"),
              ("php", ".lock", "composer.lock"), ("ruby", ".lock", "Gemfile.lock"),
              ("python", ".requirements.txt", "requirements.txt"),
              ("python", ".Pipfile.lock", "Pipfile.lock")]


def sbom(binary, src):
    out = subprocess.run([binary, "sbom", src, "--format", "json", "-q"],
                         stdout=subprocess.PIPE, check=True)
    return json.loads(out.stdout)


def lockfile_packages(binary):
    root = tempfile.mkdtemp(prefix="bulwark-locks-")
    try:
        n = 0
        for kind, suffix, name in LOCK_NAMES:
            d = f"{LOCKFILES}/{kind}"
            for f in sorted(os.listdir(d)):
                if not f.endswith(suffix):
                    continue
                proj = f"{root}/{kind}/{f[:-len(suffix)]}"
                os.makedirs(proj, exist_ok=True)
                shutil.copy(f"{d}/{f}", f"{proj}/{name}")
                n += 1
        doc = sbom(binary, f"dir:{root}")
    finally:
        shutil.rmtree(root)
    return n, doc["packages"]


def dedup(pkgs):
    seen, out = set(), []
    for p in pkgs:
        key = (p["ecosystem"], p["name"], p["version"])
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--size", type=int, default=150)
    ap.add_argument("--out", default="/tmp/bulwark-sboms")
    ap.add_argument("--bulwark", default=f"{TARGET}/release/bulwark")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    rich = sbom(args.bulwark, f"oci:{IMAGES}/debian-rich.oci:1")
    minbase = sbom(args.bulwark, f"oci:{IMAGES}/debian-minbase.oci:1")
    alpine = sbom(args.bulwark, f"docker-archive:{SHARED}/testdata/images/alpine-310.docker.tar")
    nlocks, locked = lockfile_packages(args.bulwark)

    deb = dedup([p for s in (rich, minbase) for p in s["packages"] if p["ecosystem"] == "deb"])
    apk = dedup([p for p in alpine["packages"] if p["ecosystem"] == "apk"])
    lang = dedup([p for p in rich["packages"] + locked
                  if p["ecosystem"] not in ("deb", "apk", "rpm")])
    if not deb or not apk or not lang:
        sys.exit("empty package pool: are the test images built?")
    eco = {}
    for p in lang:
        eco[p["ecosystem"]] = eco.get(p["ecosystem"], 0) + 1
    print(f"pools: deb {len(deb)} (debian 12), apk {len(apk)} (alpine 3.10), language "
          f"{len(lang)} from debian-rich and {nlocks} lock files: "
          + ", ".join(f"{k} {v}" for k, v in sorted(eco.items())))

    by_eco = {e: [p for p in lang if p["ecosystem"] == e] for e in sorted(eco)}
    weights = [len(v) ** 0.5 for v in by_eco.values()]
    rng = random.Random(args.seed)

    def sample_lang(n):
        want = {}
        for e in rng.choices(list(by_eco), weights, k=n):
            want[e] = want.get(e, 0) + 1
        out = []
        for e, k in want.items():
            out += rng.sample(by_eco[e], min(k, len(by_eco[e])))
        return out

    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    total, mix = 0, {}
    for i in range(args.count):
        if rng.random() < 0.75:
            base = rng.choice((rich, minbase))
            os_pkgs = rng.sample(deb, min(len(deb), 100))
        else:
            base = alpine
            os_pkgs = list(apk)
        n_lang = max(0, args.size - len(os_pkgs))
        pkgs = os_pkgs + sample_lang(n_lang)
        doc = {"schema": "bulwark-sbom/1", "target": dict(base["target"], name=f"bench-{i:05}"),
               "distro": base["distro"], "packages": pkgs}
        with open(f"{args.out}/{i:05}.json", "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        total += len(pkgs)
        for p in pkgs:
            mix[p["ecosystem"]] = mix.get(p["ecosystem"], 0) + 1
    print(f"wrote {args.count} SBOMs, {total} packages ({total / args.count:.0f} per SBOM) to "
          f"{args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(mix.items())))


if __name__ == "__main__":
    main()
