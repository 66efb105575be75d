#!/usr/bin/env python3
"""Registry benchmark: Bulwark's registry vs docker-registry 2.8.2, same run, same client.

Both servers run on 127.0.0.1 with their storage in one work directory (one filesystem),
and the load comes from `regload` (crates/bulwark-regload, a Rust client with one
keep-alive HTTP/1.1 connection per thread). Measured, for each server:

  * 200 MiB blob push, monolithic (POST + one PUT ?digest= with the body) and chunked
    (POST + 16 MiB PATCHes + empty PUT), MB/s; against the disk reference (write 200 MiB
    in the work directory + fdatasync);
  * 200 MiB blob pull (GET to a sink, size and SHA-256 checked while reading; also
    without the hash), MB/s; against the loopback reference (regload serving 200 MiB from
    memory over a std TcpListener and reading it back);
  * 1,000 4 KiB blob pushes (POST + PUT each) on 1 and on 8 connections, pushes/s;
  * 4 KiB blob GET and HEAD on 16 connections for --secs seconds, req/s;
  * server memory: RSS idle, highest RSS seen during each measurement (sampled every
    20 ms from /proc/PID/status), VmHWM after all runs; server CPU seconds per run.

Each measurement runs on both servers back to back, the order alternating between
repetitions; tables show the median of --repeat runs. `sync` runs before every
measurement so that one server's dirty pages are not written back during the other's.

    python3 bench/registry.py --repeat 3 --json /tmp/registry-bench.json
    python3 bench/registry.py --skip-bulwark            # docker-registry + references only

Bulwark is started as `bulwark serve --listen 127.0.0.1:PORT --data-dir DIR --http` with
BULWARK_ADMIN_PASSWORD set and pushed to as `admin` (Docker token auth); the repository
`library/bench` lives in the built-in `library` project. docker-registry runs without
auth, log level warn, access log off, in-memory blob descriptor cache (Debian's default
config otherwise).
"""

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1 << 20


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "bulwark-target"
    )


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def git_commit():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT,
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except OSError:
        return None


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------


class Server:
    name = "?"
    label = "?"

    def __init__(self):
        self.proc = None
        self.port = None
        self.log_path = None
        self.env = {}  # extra environment for regload (credentials)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _status(self, key):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])  # kB
        except OSError:
            return None
        return None

    def rss_kib(self):
        return self._status("VmRSS")

    def hwm_kib(self):
        return self._status("VmHWM")

    def cpu_s(self):
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            # fields[0] is state (field 3); utime/stime are fields 14/15
            return (int(fields[11]) + int(fields[12])) / CLK_TCK
        except OSError:
            return None

    def check_alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.proc.returncode}; log:\n{self.tail_log()}"
            )

    def tail_log(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_http(self, path, ok, timeout=60):
        deadline = time.time() + timeout
        while True:
            self.check_alive()
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as r:
                    if ok(r.status):
                        return
            except urllib.error.HTTPError as e:
                if ok(e.code):
                    return
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"{self.name} not ready on {self.url}{path}:\n{self.tail_log()}")
            time.sleep(0.1)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class DockerRegistry(Server):
    name = "docker-registry"

    def __init__(self, binary, work):
        super().__init__()
        self.binary = binary
        self.dir = os.path.join(work, "docker-registry")
        os.makedirs(os.path.join(self.dir, "storage"))
        out = subprocess.run([binary, "--version"], capture_output=True, text=True)
        version = (out.stdout or out.stderr).split()
        self.label = "docker-registry " + (version[2].lstrip("v") if len(version) > 2 else "?")

    def start(self):
        self.port = free_port()
        config = os.path.join(self.dir, "config.yml")
        with open(config, "w") as f:
            f.write(
                "version: 0.1\n"
                "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
                "storage:\n  cache:\n    blobdescriptor: inmemory\n"
                f"  filesystem:\n    rootdirectory: {self.dir}/storage\n"
                f"http:\n  addr: 127.0.0.1:{self.port}\n  secret: bulwark-bench-secret\n"
            )
        self.log_path = os.path.join(self.dir, "registry.log")
        self.proc = subprocess.Popen(
            [self.binary, "serve", config],
            stdin=subprocess.DEVNULL,
            stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT,
        )
        self.wait_http("/v2/", lambda s: s in (200, 401))


class Bulwark(Server):
    name = "bulwark"

    def __init__(self, binary, work, log_level):
        super().__init__()
        self.binary = binary
        self.dir = os.path.join(work, "bulwark")
        os.makedirs(os.path.join(self.dir, "data"))
        self.password = secrets.token_hex(12)
        self.env = {"BULWARK_BENCH_USER": "admin", "BULWARK_BENCH_PASS": self.password}
        self.log_level = log_level
        out = subprocess.run([binary, "--version"], capture_output=True, text=True)
        self.label = out.stdout.strip() or "bulwark"

    def start(self):
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "bulwark.log")
        env = dict(os.environ)
        env["BULWARK_ADMIN_PASSWORD"] = self.password
        env["RUST_LOG"] = self.log_level
        self.proc = subprocess.Popen(
            [
                self.binary,
                "serve",
                "--listen",
                f"127.0.0.1:{self.port}",
                "--data-dir",
                os.path.join(self.dir, "data"),
                "--http",
            ],
            stdin=subprocess.DEVNULL,
            stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.wait_http("/healthz", lambda s: s == 200)


# ---------------------------------------------------------------------------------------
# Running regload
# ---------------------------------------------------------------------------------------


def run_regload(regload, argv, server=None, extra_env=None):
    """Runs one regload subcommand; returns its JSON plus server RSS/CPU around it."""
    env = dict(os.environ)
    env.update(extra_env or {})
    os.sync()
    time.sleep(0.2)
    cpu0 = server.cpu_s() if server else None
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.Popen(
        [regload] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    peak = server.rss_kib() if server else None
    while p.poll() is None:
        if server:
            rss = server.rss_kib()
            if rss is not None and (peak is None or rss > peak):
                peak = rss
        time.sleep(0.02)
    out, err = p.communicate()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"regload {' '.join(argv)} failed ({p.returncode}): {err.strip()}")
    res = json.loads(out.strip().splitlines()[-1])
    res["client_cpu_s"] = round(
        (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime), 3
    )
    if server:
        res["server_rss_peak_kib"] = peak
        cpu1 = server.cpu_s()
        if cpu0 is not None and cpu1 is not None:
            res["server_cpu_s"] = round(cpu1 - cpu0, 3)
        ops = res.get("count") or res.get("total_requests")
        if ops and res.get("server_cpu_s") is not None:
            res["server_cpu_us_per_op"] = round(1e6 * res["server_cpu_s"] / ops, 1)
        server.check_alive()
    return res


# measurement key -> (table label, value key, unit)
MEASUREMENTS = [
    ("push_mono", "200 MiB push, monolithic PUT", "mb_s", "MB/s"),
    ("push_chunked", "200 MiB push, 16 MiB PATCHes", "mb_s", "MB/s"),
    ("pull", "200 MiB pull, SHA-256 checked", "mb_s", "MB/s"),
    ("pull_noverify", "200 MiB pull, not hashed", "mb_s", "MB/s"),
    ("push_small_1", "4 KiB push, 1 connection", "per_s", "pushes/s"),
    ("push_small_8", "4 KiB push, 8 connections", "per_s", "pushes/s"),
    ("get_small", "4 KiB GET, 16 connections", "per_s", "req/s"),
    ("head_small", "4 KiB HEAD, 16 connections", "per_s", "req/s"),
]


def measure_server(regload, server, rep, args, work):
    """One repetition of every measurement against one server: yields (key, result)."""
    common = ["--url", server.url, "--repo", args.repo]
    env = server.env
    size = f"{args.size_mib}MiB"

    def go(key, argv):
        log(f"  [{rep + 1}] {server.name}: {key}")
        try:
            return run_regload(regload, argv, server, env)
        except RuntimeError as e:
            log(f"    ERROR: {e}")
            return {"error": str(e)}

    r = go("push_mono", ["push-big"] + common + ["--size", size, "--seed", str(1000 * rep + 1)])
    yield "push_mono", r
    digest = r.get("digest")
    r = go(
        "push_chunked",
        ["push-big"] + common + ["--size", size, "--chunk", "16MiB", "--seed", str(1000 * rep + 2)],
    )
    yield "push_chunked", r
    if digest:
        yield "pull", go("pull", ["pull-big"] + common + ["--digest", digest, "--hash", "inline"])
        yield "pull_noverify", go(
            "pull_noverify", ["pull-big"] + common + ["--digest", digest, "--hash", "none"]
        )
    digests = os.path.join(work, f"digests-{server.name}-{rep}.txt")
    yield "push_small_1", go(
        "push_small_1",
        ["push-small"] + common + ["--count", str(args.count), "--conns", "1",
                                   "--seed", str(10 * rep + 1), "--digests-out", digests],
    )
    yield "push_small_8", go(
        "push_small_8",
        ["push-small"] + common + ["--count", str(args.count), "--conns", "8",
                                   "--seed", str(10 * rep + 2)],
    )
    if os.path.exists(digests):
        for key, method in (("get_small", "GET"), ("head_small", "HEAD")):
            yield key, go(
                key,
                ["get-small"] + common + ["--digests", digests, "--conns", "16",
                                          "--secs", str(args.secs), "--method", method],
            )


def median_of(runs, key):
    vals = [r[key] for r in runs if key in r and r.get(key) is not None]
    return statistics.median(vals) if vals else None


def fmt(x, digits=0):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--json", metavar="FILE", help="write every run and the medians here")
    ap.add_argument("--bulwark-bin", help="bulwark binary (default: release build)")
    ap.add_argument("--skip-bulwark", action="store_true", help="docker-registry only")
    ap.add_argument("--docker-registry-bin", default=shutil.which("docker-registry") or "/usr/bin/docker-registry")
    ap.add_argument("--regload-bin", help="regload binary (default: release build)")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build")
    ap.add_argument("--work-dir", help="parent of the temp dir holding both registries' storage "
                    "(default: the system temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    ap.add_argument("--repo", default="library/bench")
    ap.add_argument("--size-mib", type=int, default=200, help="big blob size")
    ap.add_argument("--count", type=int, default=1000, help="small blobs per push run")
    ap.add_argument("--secs", type=float, default=5.0, help="seconds per GET/HEAD run")
    ap.add_argument("--disk-samples", type=int, default=3, help="disk reference runs per repetition")
    ap.add_argument("--bulwark-log", default="warn", help="RUST_LOG for bulwark serve")
    args = ap.parse_args()

    tdir = target_dir()
    if not args.no_build:
        cmd = ["cargo", "build", "--release", "-p", "bulwark-regload"]
        if not args.skip_bulwark and not args.bulwark_bin:
            cmd += ["-p", "bulwark-cli"]
        log("$ " + " ".join(cmd))
        subprocess.run(cmd, cwd=REPO_ROOT, check=True, env=dict(os.environ, CARGO_TARGET_DIR=tdir))
    regload = args.regload_bin or os.path.join(tdir, "release", "regload")
    bulwark_bin = args.bulwark_bin or os.path.join(tdir, "release", "bulwark")

    work = tempfile.mkdtemp(prefix="bulwark-regbench-", dir=args.work_dir)
    log(f"work dir: {work}")
    # Private copies: the target dir is shared, a rebuild must not swap a binary mid-run.
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir)
    regload = shutil.copy2(regload, os.path.join(bindir, "regload"))
    if not args.skip_bulwark:
        bulwark_bin = shutil.copy2(bulwark_bin, os.path.join(bindir, "bulwark"))
    servers = []
    try:
        servers.append(DockerRegistry(args.docker_registry_bin, work))
        if not args.skip_bulwark:
            servers.append(Bulwark(bulwark_bin, work, args.bulwark_log))
        for s in servers:
            s.start()
            log(f"{s.label} on {s.url} (pid {s.proc.pid})")
        time.sleep(0.5)
        idle = {s.name: s.rss_kib() for s in servers}
        load_start = os.getloadavg()

        size = f"{args.size_mib}MiB"
        refs = {"disk": [], "loopback": [], "sha256": []}
        fsync_us = []
        results = {s.name: {k: [] for k, *_ in MEASUREMENTS} for s in servers}
        for rep in range(args.repeat):
            log(f"repetition {rep + 1}/{args.repeat}")
            # the VM's disk is bimodal (fdatasync of 200 MiB: ~250 MB/s or ~1.5 GB/s
            # when the host absorbs it), so it gets more samples
            for _ in range(args.disk_samples):
                refs["disk"].append(run_regload(regload, ["disk", "--dir", work, "--size", size]))
            refs["loopback"].append(run_regload(regload, ["loopback", "--size", size]))
            fsync_us.append(fsync_latency_us(work))
            refs["sha256"].append(run_regload(regload, ["sha256", "--size", size]))
            order = servers if rep % 2 == 0 else list(reversed(servers))
            gens = [(s, measure_server(regload, s, rep, args, work)) for s in order]
            # interleave: each measurement on every server before the next measurement
            live = list(gens)
            while live:
                nxt = []
                for s, g in live:
                    item = next(g, None)
                    if item is None:
                        continue
                    key, res = item
                    results[s.name][key].append(res)
                    nxt.append((s, g))
                live = nxt
        hwm = {s.name: s.hwm_kib() for s in servers}
        rss_end = {s.name: s.rss_kib() for s in servers}

        ref_med = {k: median_of(v, "mb_s") for k, v in refs.items()}
        fsync_median = statistics.median(fsync_us)
        report = {
            "machine": {
                "cpus": os.cpu_count(),
                "kernel": platform.release(),
                "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                "loadavg_start": load_start,
                "loadavg_end": os.getloadavg(),
            },
            "commit": git_commit(),
            "args": vars(args),
            "servers": {s.name: {"label": s.label, "url": s.url} for s in servers},
            "references": {"runs": refs, "median_mb_s": ref_med, "fsync_4k_us": fsync_median},
            "results": {},
        }
        for s in servers:
            med = {}
            for key, _label, vkey, _unit in MEASUREMENTS:
                runs = results[s.name][key]
                med[key] = {
                    "median": median_of(runs, vkey),
                    "rss_peak_kib_max": max(
                        (r["server_rss_peak_kib"] for r in runs if r.get("server_rss_peak_kib")),
                        default=None,
                    ),
                    "server_cpu_s_median": median_of(runs, "server_cpu_s"),
                    "client_cpu_s_median": median_of(runs, "client_cpu_s"),
                    "server_cpu_us_per_op_median": median_of(runs, "server_cpu_us_per_op"),
                    "p99_ms_median": median_of([r["latency"] for r in runs if "latency" in r], "p99_ms"),
                    "errors": [r["error"] for r in runs if "error" in r],
                }
            report["results"][s.name] = {
                "runs": results[s.name],
                "median": med,
                "rss_idle_kib": idle[s.name],
                "rss_end_kib": rss_end[s.name],
                "vmhwm_kib": hwm[s.name],
            }

        print_tables(report, servers, args)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, indent=1)
            log(f"wrote {args.json}")
    finally:
        for s in servers:
            s.stop()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def fsync_latency_us(work, n=300):
    """Median time of one durable small commit on this disk: append 4 KiB, fdatasync.
    A server that makes each push durable before answering cannot do more than about
    1e6 / this pushes per second on one connection (the client waits for each)."""
    path = os.path.join(work, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        block = b"\0" * 4096
        for _ in range(n):
            t0 = time.perf_counter()
            os.write(fd, block)
            os.fdatasync(fd)
            times.append((time.perf_counter() - t0) * 1e6)
    finally:
        os.close(fd)
        os.unlink(path)
    return statistics.median(times)


def print_tables(report, servers, args):
    refs = report["references"]["median_mb_s"]
    n = args.repeat
    runs = report["references"]["runs"]

    def span(k):
        v = [r["mb_s"] for r in runs[k]]
        return f"{fmt(statistics.median(v))} MB/s (median of {len(v)}, {fmt(min(v))}-{fmt(max(v))})"

    m = report["machine"]
    print(f"\n{m['when']}, commit {report['commit']}, load average at start/end "
          f"{m['loadavg_start'][0]:.2f}/{m['loadavg_end'][0]:.2f}")
    print(f"\nReferences: disk write + fdatasync {span('disk')}; loopback HTTP {span('loopback')}; "
          f"SHA-256 one core {span('sha256')}")
    fs = report["references"].get("fsync_4k_us")
    if fs:
        print(f"Durable small commit (4 KiB append + fdatasync): median {fmt(fs)} us, so one "
              f"connection of durable pushes is capped near {fmt(1e6 / fs)} pushes/s here\n")
    names = [s.name for s in servers]
    labels = {s.name: s.label for s in servers}
    head = ["measurement"] + [labels[nm] for nm in names]
    if len(names) == 2:
        head.append(f"{names[1]} / {names[0]}")
    rows = []
    for key, label, _vkey, unit in MEASUREMENTS:
        row = [f"{label} ({unit})"]
        vals = []
        for nm in names:
            m = report["results"][nm]["median"][key]
            v = m["median"]
            vals.append(v)
            cell = fmt(v)
            allv = [r[_vkey] for r in report["results"][nm]["runs"][key] if _vkey in r]
            if len(allv) > 1:
                cell += f" [{fmt(min(allv))}-{fmt(max(allv))}]"
            if v is not None and key.startswith("push_") and unit == "MB/s" and refs["disk"]:
                cell += f" ({100 * v / refs['disk']:.0f}% of disk)"
            if v is not None and key.startswith("pull") and refs["loopback"]:
                cell += f" ({100 * v / refs['loopback']:.0f}% of loopback)"
            if m.get("p99_ms_median") is not None:
                cell += f", p99 {m['p99_ms_median']:.1f} ms"
            if m["errors"]:
                cell += f" [{len(m['errors'])} failed]"
            row.append(cell)
        if len(names) == 2:
            a, b = vals
            row.append(f"{b / a:.2f}x" if a and b else "n/a")
        rows.append(row)
    mem_rows = []
    for label, field in (("RSS idle after start (MiB)", "rss_idle_kib"),
                         ("RSS after all runs (MiB)", "rss_end_kib"),
                         ("peak RSS, VmHWM (MiB)", "vmhwm_kib")):
        row = [label]
        vals = []
        for nm in names:
            v = report["results"][nm][field]
            vals.append(v)
            row.append(fmt(v / 1024 if v else None, 1))
        if len(names) == 2:
            row.append(f"{vals[1] / vals[0]:.2f}x" if vals[0] and vals[1] else "n/a")
        mem_rows.append(row)
    print_md(head, rows + mem_rows)

    print(f"\nPer measurement: highest server RSS seen during the runs (MiB) / server CPU s / client CPU s (medians)\n")
    head2 = ["measurement"] + [labels[nm] for nm in names]
    rows2 = []
    for key, label, _vkey, _unit in MEASUREMENTS:
        row = [label]
        for nm in names:
            m = report["results"][nm]["median"][key]
            rss = m["rss_peak_kib_max"]
            cell = (f"{fmt(rss / 1024 if rss else None, 1)} / {fmt(m['server_cpu_s_median'], 2)}"
                    f" / {fmt(m['client_cpu_s_median'], 2)}")
            if m.get("server_cpu_us_per_op_median") is not None:
                cell += f" ({fmt(m['server_cpu_us_per_op_median'])} us server CPU per op)"
            row.append(cell)
        rows2.append(row)
    print_md(head2, rows2)


def print_md(head, rows):
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
