#!/usr/bin/env python3
"""`bulwark verify` benchmark: one image with 3 signatures and 2 attestations, on Bulwark's
registry (tag scheme + OCI 1.1 referrers) and on docker-registry 2.8.2 (tag scheme only).

Setup per registry: the real alpine:3.10 image (../shared/testdata/images) pushed with
skopeo; keys `ci`, `staging`, `release`, `scan`, `sbom` from `bulwark key generate`;
`bulwark sign` by ci, staging and release; `bulwark attest` of a vuln predicate by scan and
`bulwark sbom --attest` (CycloneDX) by sbom. The policy requires all five.

Measured: wall time of the whole `bulwark verify IMAGE:TAG --policy FILE` process (start,
token, tag resolution, discovery, every blob fetched and every signature checked, report
printed), one warm-up run, then --runs runs; median, p90 and min. On Bulwark also the
number of HTTP requests one verification makes (from /metrics), and the same for a
digest reference (no tag resolution).

    python3 bench/verify.py --runs 30 --json /tmp/verify-bench.json

Peers: cosign, policy-controller and Ratify are not obtainable here (../shared/PEERS.md);
their users report 1-3 s per verification, which is the figure the issue compares with.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry import REPO_ROOT, Bulwark, DockerRegistry, git_commit, log, target_dir  # noqa: E402

PASSPHRASE = "bench-passphrase"
IMAGE_ARCHIVE = os.path.join(REPO_ROOT, "..", "shared", "testdata", "images", "alpine-310.docker.tar")


def run(argv, env, check=True):
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out


def request_count(server):
    """Sum of bulwark_http_requests_total over all labels."""
    import urllib.request
    with urllib.request.urlopen(server.url + "/metrics") as r:
        text = r.read().decode()
    return sum(float(m.group(1)) for m in re.finditer(r"^bulwark_http_requests_total\{[^}]*\} (\S+)$", text, re.M))


def setup(bulwark_bin, server, work, creds):
    env = dict(os.environ)
    env["BULWARK_KEY_PASSPHRASE"] = PASSPHRASE
    env["DOCKER_CONFIG"] = "/nonexistent"
    env.pop("COSIGN_PASSWORD", None)
    if creds:
        env["BULWARK_REGISTRY_USERNAME"], env["BULWARK_REGISTRY_PASSWORD"] = creds
    host = f"127.0.0.1:{server.port}"
    image = f"{host}/library/app:1.0"
    skopeo = ["skopeo", "copy", "-q", "--dest-tls-verify=false"]
    if creds:
        skopeo += ["--dest-creds", f"{creds[0]}:{creds[1]}"]
    run(skopeo + [f"docker-archive:{IMAGE_ARCHIVE}", f"docker://{image}"], env)
    keys = os.path.join(work, f"keys-{server.name}")
    os.makedirs(keys)
    for name in ["ci", "staging", "release", "scan", "sbom"]:
        run([bulwark_bin, "key", "generate", "--output-prefix", os.path.join(keys, name)], env)
    for name in ["ci", "staging", "release"]:
        run([bulwark_bin, "sign", "--key", os.path.join(keys, f"{name}.key"), "-a", f"stage={name}", image], env)
    vuln = os.path.join(keys, "vuln.json")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(vuln, "w") as f:
        json.dump({"scanner": {"uri": "bench", "version": "1", "result": {"findings": []}},
                   "metadata": {"scanStartedOn": now, "scanFinishedOn": now}}, f)
    run([bulwark_bin, "attest", "--key", os.path.join(keys, "scan.key"), "--type", "vuln", "--predicate", vuln, image], env)
    run([bulwark_bin, "sbom", "-q", image, "--format", "json", "--attest", "--key", os.path.join(keys, "sbom.key")], env)
    policy = os.path.join(keys, "policy.toml")
    with open(policy, "w") as f:
        for name in ["ci", "staging", "release", "scan", "sbom"]:
            f.write(f'[keys.{name}]\npath = "{name}.pub"\n')
        for name in ["ci", "staging", "release"]:
            f.write(f'[[require]]\nname = "{name}"\nkeys = ["{name}"]\nannotations = {{ stage = "{name}" }}\n')
        f.write('[[require]]\nname = "scan"\nattestation = "vuln"\nkeys = ["scan"]\nmax_age = "24h"\n')
        f.write('[[require]]\nname = "sbom"\nattestation = "cyclonedx"\nkeys = ["sbom"]\n')
    return env, image, policy


def time_verify(bulwark_bin, env, image, policy, runs):
    argv = [bulwark_bin, "verify", image, "--policy", policy, "--format", "json"]
    first = run(argv, env)
    report = json.loads(first.stdout)
    if not report["passed"]:
        raise RuntimeError(f"verification failed:\n{first.stdout}")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run(argv, env)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[int(0.9 * (len(times) - 1))], 1),
        "min_ms": round(times[0], 1),
        "runs": runs,
        "digest": report["digest"],
        "requirements": len(report["requirements"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--bulwark-bin", help="bulwark binary (default: release build)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--json", help="write results here")
    args = ap.parse_args()

    tdir = target_dir()
    if not args.bulwark_bin and not args.no_build:
        log("==> cargo build --release -p bulwark-cli")
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "bulwark-cli"], cwd=REPO_ROOT, check=True,
                       env=dict(os.environ, CARGO_TARGET_DIR=tdir))
    bulwark_bin = args.bulwark_bin or os.path.join(tdir, "release", "bulwark")
    work = tempfile.mkdtemp(prefix="bulwark-verify-bench-")
    results = {"commit": git_commit(), "machine": {"cpus": os.cpu_count()}, "registries": {}}
    servers = [Bulwark(bulwark_bin, work, "warn"), DockerRegistry(shutil.which("docker-registry") or "/usr/bin/docker-registry", work)]
    try:
        for server in servers:
            server.start()
            creds = ("admin", server.password) if isinstance(server, Bulwark) else None
            log(f"==> {server.name}: push, 3 signatures, 2 attestations")
            env, image, policy = setup(bulwark_bin, server, work, creds)
            log(f"==> {server.name}: {args.runs} verifications")
            by_tag = time_verify(bulwark_bin, env, image, policy, args.runs)
            pinned = image.rsplit(":", 1)[0] + "@" + by_tag["digest"]
            by_digest = time_verify(bulwark_bin, env, pinned, policy, args.runs)
            entry = {"label": server.label, "by_tag": by_tag, "by_digest": by_digest}
            if isinstance(server, Bulwark):
                before = request_count(server)
                run([bulwark_bin, "verify", image, "--policy", policy], env)
                # Less the first /metrics request itself, counted once it completed.
                entry["requests_per_verify"] = int(request_count(server) - before) - 1
            results["registries"][server.name] = entry
            server.stop()
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print("| registry | reference | median | p90 | min | HTTP requests |")
    print("|---|---|---:|---:|---:|---:|")
    for name, entry in results["registries"].items():
        for kind in ["by_tag", "by_digest"]:
            r = entry[kind]
            reqs = entry.get("requests_per_verify", "") if kind == "by_tag" else ""
            print(f"| {entry['label']} | {kind.replace('_', ' ')} | {r['median_ms']} ms | {r['p90_ms']} ms | {r['min_ms']} ms | {reqs} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
