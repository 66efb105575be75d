#!/usr/bin/env python3
"""`bulwark scan` of Cargo.lock files against cargo-audit (../shared/PEERS.md), same advisories.

    cargo install cargo-audit --locked            # once; 10-20 min
    python3 bench/cargo_audit.py [--runs 3] [--bulwark PATH] [--show 40]

Inputs: every Cargo.lock under ../shared/testdata/lockfiles/cargo (each copied into its own
directory as `Cargo.lock`) and the RustSec advisory-db snapshot under
../shared/testdata/vulndata/rustsec-advisory-db. cargo-audit opens its database as a git
repository, so when the snapshot is a plain directory it is copied into a temp git repo
(one commit) first.

cargo-audit, per file: `cargo audit --db DB --no-fetch --no-yanked --stale -f FILE --json`,
ids from `vulnerabilities.list[].advisory.id` (its `warnings` - unmaintained, unsound,
yanked notices - are not vulnerabilities and are not counted).
Bulwark: `bulwark db build --source rustsec:DB/crates` once (timed apart), then per file
`bulwark scan dir:DIR --db vuln.db --format json`, and also one scan of the whole tree
(a crate@version found in several lock files is one package there, so that run is
compared as distinct (crate, version, id) triples); a finding counts under every RUSTSEC id among its
`id` and `aliases`.

Compares (file, crate, version, RUSTSEC id) sets; prints per-tool totals, the best-of-N
total time of each tool over all files, and every difference with the advisory's
`informational` field and affected `functions`/`os` (the usual reasons) for judging why.
"""
import argparse, collections, json, os, re, shutil, subprocess, sys, tempfile, time

HOME = os.environ.get("HOME", "/root")
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
LOCKS = f"{SHARED}/testdata/lockfiles/cargo"
ADB = f"{SHARED}/testdata/vulndata/rustsec-advisory-db"
TARGET = os.environ.get("CARGO_TARGET_DIR", f"{HOME}/.cache/bulwark-target")


def audit_cmd(db, lock):
    return ["cargo", "audit", "--db", db, "--no-fetch", "--no-yanked", "--stale", "-f", lock,
            "--json"]


def git_copy(src, tmp):
    """cargo-audit wants a git checkout: copy the snapshot and commit it."""
    dst = f"{tmp}/advisory-db"
    shutil.copytree(src, dst)
    subprocess.run(["chmod", "-R", "u+w", dst], check=True)
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@invalid")
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                ["git", "commit", "-q", "-m", "snapshot"]):
        subprocess.run(cmd, cwd=dst, check=True, env=env)
    return dst


WARNINGS = collections.Counter()


def run_audit(db, locks):
    """Per lock: set of (crate, version, id). Exit code 1 means vulnerabilities found.
    Its warnings (informational advisories, yanked) are counted in WARNINGS by kind."""
    found = {}
    WARNINGS.clear()
    for name, path in locks:
        out = subprocess.run(audit_cmd(db, path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if out.returncode not in (0, 1):
            raise RuntimeError(f"cargo audit {path}: {out.stderr.decode()[-1500:]}")
        doc = json.loads(out.stdout)
        found[name] = {(v["package"]["name"], v["package"]["version"], v["advisory"]["id"])
                       for v in doc["vulnerabilities"]["list"]}
        for kind, ws in (doc.get("warnings") or {}).items():
            WARNINGS[kind] += len(ws)
    return found


def rustsec_ids(f):
    return {i for i in [f["id"]] + list(f.get("aliases") or []) if i.startswith("RUSTSEC-")}


def run_bulwark(binary, db, locks):
    found = {}
    for name, path in locks:
        out = subprocess.run([binary, "scan", f"dir:{os.path.dirname(path)}", "--db", db,
                              "--format", "json", "-q"], stdout=subprocess.PIPE, check=True)
        doc = json.loads(out.stdout)
        found[name] = {(f["package"]["name"], f["package"]["version"], i)
                       for f in doc["findings"] for i in rustsec_ids(f)}
    return found


def run_bulwark_tree(binary, db, root):
    """One scan of the whole tree. A crate@version in several lock files is one package
    with several locations, and its finding names only the first (`package.path`), so
    this gives the distinct (crate, version, id) triples, not per-file ones."""
    out = subprocess.run([binary, "scan", f"dir:{root}", "--db", db, "--format", "json", "-q"],
                         stdout=subprocess.PIPE, check=True)
    return {(f["package"]["name"], f["package"]["version"], i)
            for f in json.loads(out.stdout)["findings"] for i in rustsec_ids(f)}


def advisory_info(adv_id):
    """informational / affected functions / os of a RustSec advisory, for the diff."""
    for root, _, files in os.walk(f"{ADB}/crates"):
        if f"{adv_id}.md" in files:
            text = open(f"{root}/{adv_id}.md").read()
            head = text.split("```", 2)[1] if "```" in text else text
            info = re.search(r'^informational\s*=\s*"([^"]+)"', head, re.M)
            notes = []
            if info:
                notes.append(f"informational={info.group(1)}")
            if re.search(r"^\[affected\.functions\]|^functions\s*=", head, re.M):
                notes.append("affected.functions")
            if re.search(r"^os\s*=", head, re.M):
                notes.append("affected.os")
            if re.search(r"^withdrawn\s*=", head, re.M):
                notes.append("withdrawn")
            pv = re.search(r"^patched\s*=\s*(\[.*?\])", head, re.M | re.S)
            if pv:
                notes.append("patched=" + " ".join(pv.group(1).split()))
            uv = re.search(r"^unaffected\s*=\s*(\[.*?\])", head, re.M | re.S)
            if uv:
                notes.append("unaffected=" + " ".join(uv.group(1).split()))
            return "; ".join(notes)
    return "not in the snapshot"


def best_time(fn, runs):
    best, result = None, None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        secs = time.perf_counter() - start
        best = secs if best is None else min(best, secs)
    return best, result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bulwark", default=f"{TARGET}/release/bulwark")
    ap.add_argument("--show", type=int, default=60, help="differences to print")
    ap.add_argument("--extra", action="append", default=[],
                    help="also every DIR/*/Cargo.lock (e.g. the lock files real crates publish, "
                         "as unpacked by cargo under ~/.cargo/registry/src/<index>)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bulwark-cargo-audit-")
    try:
        root = f"{tmp}/locks"
        locks = []
        for f in sorted(os.listdir(LOCKS)):
            if f.endswith(".lock"):
                d = f"{root}/{f[:-5]}"
                os.makedirs(d)
                shutil.copy(f"{LOCKS}/{f}", f"{d}/Cargo.lock")
                locks.append((f[:-5], f"{d}/Cargo.lock"))
        for extra in args.extra:
            for name in sorted(os.listdir(extra)):
                src = f"{extra}/{name}/Cargo.lock"
                if os.path.isfile(src):
                    d = f"{root}/crate-{name}"
                    os.makedirs(d)
                    shutil.copy(src, f"{d}/Cargo.lock")
                    locks.append((f"crate-{name}", f"{d}/Cargo.lock"))

        db = f"{tmp}/rustsec.db"
        bt, _ = best_time(lambda: subprocess.run(
            [args.bulwark, "db", "build", "-q", "-o", db, "--source", f"rustsec:{ADB}/crates"],
            check=True, stderr=subprocess.DEVNULL), args.runs)
        b_time, bul = best_time(lambda: run_bulwark(args.bulwark, db, locks), args.runs)
        t_time, tree = best_time(lambda: run_bulwark_tree(args.bulwark, db, root), args.runs)

        have_audit = subprocess.run(["cargo", "audit", "--version"], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
        aud, a_time, version = None, None, None
        if have_audit.returncode == 0:
            version = have_audit.stdout.decode().strip().replace("cargo-audit-audit", "cargo-audit")
            adb = ADB
            first = subprocess.run(audit_cmd(adb, locks[0][1]), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
            if first.returncode not in (0, 1):
                adb = git_copy(ADB, tmp)
            a_time, aud = best_time(lambda: run_audit(adb, locks), args.runs)

        n_b = sum(len(v) for v in bul.values())
        distinct = set().union(*bul.values())
        tree_same = tree == distinct
        print(f"files: {len(locks)} Cargo.lock; advisory-db: {ADB}")
        print()
        print("| tool | total time, all files (best of %d) | findings (crate, version, RUSTSEC id) | files with findings |" % args.runs)
        print("|---|---|---|---|")
        if aud is not None:
            n_a = sum(len(v) for v in aud.values())
            print(f"| {version}, one process per file | {a_time:.2f} s | {n_a} ({len(set().union(*aud.values()))} distinct) | {sum(1 for v in aud.values() if v)} |")
        else:
            print("| cargo-audit | pending (not installed) | | |")
        print(f"| bulwark scan, one process per file | {b_time:.2f} s | {n_b} ({len(distinct)} distinct) | {sum(1 for v in bul.values() if v)} |")
        print(f"| bulwark scan, one process for the whole tree | {t_time:.2f} s | {len(tree)} distinct "
              f"({'= the per-file distinct set' if tree_same else 'DIFFERS from the per-file distinct set'}) | |")
        print(f"| bulwark db build (rustsec only, once; not in the totals) | {bt:.2f} s | | |")
        if aud is not None:
            print(f"| ratio, per file | **{a_time / b_time:.1f}x faster** | | |")
            print(f"| ratio, whole tree | **{a_time / t_time:.1f}x faster** | | |")
            diffs = [(k, sorted(aud[k] - bul[k]), sorted(bul[k] - aud[k])) for k, _ in locks]
            diffs = [d for d in diffs if d[1] or d[2]]
            print()
            print("cargo-audit warnings (not vulnerabilities; Bulwark's importer skips "
                  "informational advisories): "
                  + (", ".join(f"{k} {v}" for k, v in sorted(WARNINGS.items())) or "none"))
            print()
            print(f"files where they differ: {len(diffs)} of {len(locks)}")
            ids = collections.Counter()
            for k, oa, ob in diffs:
                for c, v, i in oa:
                    ids[("cargo-audit only", i, c)] += 1
                for c, v, i in ob:
                    ids[("bulwark only", i, c)] += 1
            print()
            print("| only in | advisory | crate | files | advisory fields |")
            print("|---|---|---|---|---|")
            for (side, i, c), n in sorted(ids.items())[: args.show]:
                print(f"| {side} | {i} | {c} | {n} | {advisory_info(i)} |")
            print()
            for k, oa, ob in diffs[: args.show]:
                print(f"- {k}: cargo-audit only {oa}; bulwark only {ob}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
