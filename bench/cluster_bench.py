#!/usr/bin/env python3
"""Issue 15's measured targets: replicas on one PostgreSQL job store behind HAProxy.

Starts a throwaway PostgreSQL (scripts/pg-temp.sh, with every statement's duration logged),
`conserve serve` replicas on it (`--threads 1` each, as Tests/e2e/test_cluster_kill.py runs them)
and HAProxy in front (the kill test's configuration), then runs these phases in order:

  throughput-1   one replica, a batch of --lines lines, nothing else: lines per second
  online-idle    all replicas, online requests through HAProxy, no batch: latency
  throughput-N   all replicas, a batch of --lines lines, nothing else: lines per second
  online-batch   all replicas, a batch of --lines lines and online requests: latency
  kills          --kills SIGKILLs of random serving replicas (never the last one serving), each
                 restarted 0.2-1 s later, every 1-3 s, while a batch of --kill-lines lines runs and
                 online requests go through HAProxy (another batch is submitted if one completes
                 before the kills are done)

Measured: lines lost or duplicated in every batch's output; for each kill, the lines the victim
held (by its lease owner, just before and just after the kill), when each was leased again
(the new lease's claim time on the database's clock: lease_expires_at minus the lease, read by
polling every 100 ms) and the re-runs (leases beyond the first) against the lines held; the lease
statements' durations (claim, complete, renew) from PostgreSQL's log, and the gaps between one
replica's heartbeats; the replicas' 'lease lost' warnings; online latency per phase; the load
average and the CPU that other processes used, per phase. Prints a markdown summary at the end,
the targets of issue 15 first, each met or missed.

Each replica connects as a role of its own (replica1 … replicaN, superusers): the server log's
prefix names the role, and the claim and heartbeat statements' parameters name the replica's
lease owner, so the bench knows whose leases a killed replica held.

    python3 bench/cluster_bench.py --binary .build/release/conserve [--replicas 3] [--lines 1000]
        [--kills 20] [--kill-lines 1500] [--lease-seconds 5] [--online-seconds 60] [--seed N] [--json FILE]

With the defaults a run takes about 11 minutes on the 2-core machine.

Needs: apt-get install -y postgresql haproxy. Everything it starts is stopped, and its temporary
folder removed, on exit (Ctrl-C included; --keep keeps the folder and its logs).
"""
import argparse
import datetime
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from test_cluster_kill import haproxy_config, healthy, request  # noqa: E402  (the kill test's balancer and HTTP helpers)

MODEL = "smollm2"
# How each lease statement of PostgresJobStore+Leases.swift is told apart in the log.
STATEMENTS = {"claim": "SKIP LOCKED", "renew": "WHERE lease_owner =", "complete": "INSERT INTO batch_results"}
OWNER = re.compile(r"'(replica-[A-Za-z0-9]{12})'")


def percentile(values, p):
    """The nearest-rank percentile (P99 of fewer than 100 values is the largest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Psql:
    """One long-lived psql session: a query costs milliseconds, not a process start."""

    def __init__(self, port):
        self.process = subprocess.Popen(
            ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "conserve", "-Atq", "-F", "\t"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lock = threading.Lock()

    def rows(self, sql):
        with self.lock:
            self.process.stdin.write(sql.strip().rstrip(";") + ";\n\\echo __END__\n")
            self.process.stdin.flush()
            lines = []
            while True:
                line = self.process.stdout.readline()
                if not line:
                    raise RuntimeError("psql exited")
                if line.rstrip("\n") == "__END__":
                    break
                lines.append(line.rstrip("\n"))
        if any(line.startswith(("ERROR:", "psql:")) for line in lines):
            raise RuntimeError(f"psql: {' '.join(lines)} in {sql.strip()[:200]}")
        return [line.split("\t") for line in lines]

    def value(self, sql):
        return self.rows(sql)[0][0]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


class ServerLog:
    """PostgreSQL's log, read as it grows: the lease statements' durations (claim, renew,
    complete) with their lease owners, and which lease owner each role (replica) has used, from
    the statements' parameters."""
    ENTRY = re.compile(r"^(\d{9,11}\.\d+) \[([^\]]*)\] ([A-Z]+):  (.*)$")
    DURATION = re.compile(r"duration: ([0-9.]+) ms  (parse|bind|execute) [^:]*: (.*)$")

    def __init__(self, path):
        self.path, self.offset, self.lock = path, 0, threading.Lock()
        self.statements = {name: [] for name in STATEMENTS}  # name -> [(time, step: parse/bind/execute, ms, owner)]
        self.owners = {}  # role -> [(time, owner)]
        self.pending = None

    def update(self):
        with self.lock:
            try:
                with open(self.path, "rb") as f:
                    f.seek(self.offset)
                    data = f.read()
            except FileNotFoundError:
                return
            end = data.rfind(b"\n") + 1
            self.offset += end
            for line in data[:end].decode(errors="replace").splitlines():
                match = self.ENTRY.match(line)
                if not match:  # the statement's text goes on
                    if self.pending:
                        self.pending[3] += line
                    continue
                at, role, level, text = float(match[1]), match[2], match[3], match[4]
                if level == "DETAIL":
                    owner = OWNER.search(text)
                    if owner:
                        self.owners.setdefault(role, []).append((at, owner[1]))
                        if self.pending:
                            self.pending[4] = owner[1]
                    continue
                self.finish()
                duration = self.DURATION.match(text) if level == "LOG" else None
                if duration:
                    self.pending = [at, duration[2], float(duration[1]), duration[3], None]

    def finish(self):
        if self.pending:
            at, step, ms, text, owner = self.pending
            # The statement's own text only (the heartbeat's WHERE is also in the claim's CTE).
            for name in ("claim", "complete", "renew"):
                if STATEMENTS[name] in text:
                    self.statements[name].append((at, step, ms, owner))
                    break
        self.pending = None

    def owner(self, role, since):
        """The lease owner `role` used last at or after `since` (its current process), or None."""
        self.update()
        with self.lock:
            used = [owner for at, owner in self.owners.get(role, []) if at >= since]
        return used[-1] if used else None


class CPU:
    """The machine's busy CPU, and the part of it this bench's processes used (itself, the
    replicas, HAProxy, psql, and its PostgreSQL server with its backends), between two looks.
    Processes of ours that ended between the looks and were not this process's children (a killed
    replica's PostgreSQL backends) count as others'."""

    @staticmethod
    def look(cluster):
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        busy = sum(fields[i] for i in (0, 1, 2, 5, 6, 7))  # user nice system irq softirq steal
        mine, postmaster = cluster.pids(), cluster.postmaster()
        ours = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            rest = stat[stat.rindex(")") + 2:].split()
            if int(pid) in mine or (postmaster and int(pid) == postmaster) or (postmaster and int(rest[1]) == postmaster):
                ours[pid] = int(rest[11]) + int(rest[12])  # utime + stime
        times = os.times()
        return {"t": time.time(), "busy": busy, "ours": ours, "children": {str(p) for p in mine - {os.getpid()}},
                "reaped": times.children_user + times.children_system,
                "load": open("/proc/loadavg").read().split()[:3]}

    @staticmethod
    def between(a, b):
        tick, seconds = os.sysconf("SC_CLK_TCK"), b["t"] - a["t"]
        busy = (b["busy"] - a["busy"]) / tick
        ours = sum(v - a["ours"].get(pid, 0) for pid, v in b["ours"].items()) / tick + (b["reaped"] - a["reaped"])
        # A child reaped between the looks counts whole in `reaped`: less what it had used before.
        ours -= sum(v for pid, v in a["ours"].items() if pid in a["children"] and pid not in b["ours"]) / tick
        return {"seconds": seconds, "cores_busy": busy / seconds, "cores_ours": min(ours, busy) / seconds,
                "cores_others": max(0.0, busy - ours) / seconds, "load_before": a["load"], "load_after": b["load"]}


class Cluster:
    def __init__(self, args, work):
        self.args, self.work = args, work
        base = random.randint(20_000, 30_000)
        self.lb_port, self.ports, self.pg_port = base, [base + 1 + i for i in range(args.replicas)], base + 100
        self.replicas = [None] * args.replicas
        self.started_at = [0.0] * args.replicas
        self.closing, self.lock = False, threading.Lock()
        self.haproxy, self.psql, self.pg_started = None, None, False
        self.log = ServerLog(f"{work}/pg/server.log")
        self.url = f"http://127.0.0.1:{self.lb_port}"

    def open(self):
        work, args = self.work, self.args
        self.pg_started = True
        env = dict(os.environ, PG_TEMP_OPTIONS="-c log_min_duration_statement=0 -c log_line_prefix='%n [%u] '")
        subprocess.check_output([f"{ROOT}/scripts/pg-temp.sh", "start", f"{work}/pg", str(self.pg_port)], text=True, env=env)
        self.psql = Psql(self.pg_port)
        for i in range(args.replicas):
            self.psql.rows(f"CREATE ROLE replica{i + 1} SUPERUSER LOGIN")

    def start(self, i):
        with self.lock:  # stop() sees every process started
            if self.closing:
                return
            self.start_process(i)
        for _ in range(1200):
            if healthy(f"http://127.0.0.1:{self.ports[i]}"):
                return
            if self.replicas[i].poll() is not None:
                if self.closing:
                    return
                raise RuntimeError(f"replica {i + 1} exited; see {self.work}/replica-{i + 1}.log")
            time.sleep(0.1)
        raise RuntimeError(f"replica {i + 1} did not become healthy")

    def start_process(self, i):
        log = open(f"{self.work}/replica-{i + 1}.log", "a")
        self.started_at[i] = time.time()
        self.replicas[i] = subprocess.Popen(
            [self.args.binary, "serve", "--port", str(self.ports[i]),
             "--job-store", f"postgres://replica{i + 1}@127.0.0.1:{self.pg_port}/conserve", "--threads", "1",
             "--served-model-name", MODEL, "--policy", "priority", "--kv-cache-memory", "128MiB",
             "--batch-concurrency", str(self.args.batch_concurrency), "--batch-lease-seconds", str(self.args.lease_seconds)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def start_balancer(self):
        config = haproxy_config(self.lb_port, self.ports)
        with open(f"{self.work}/haproxy.cfg", "w") as f:
            f.write(config)
        self.haproxy = subprocess.Popen(["haproxy", "-f", f"{self.work}/haproxy.cfg", "-db"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            if healthy(self.url):
                time.sleep(1)  # every server's first health check
                return
            time.sleep(0.1)
        raise RuntimeError("HAProxy did not come up")

    def pids(self):
        processes = [*self.replicas, self.haproxy, self.psql.process if self.psql else None]
        return {os.getpid()} | {p.pid for p in processes if p}

    def postmaster(self):
        try:
            with open(f"{self.work}/pg/data/postmaster.pid") as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def alive(self, i):
        return self.replicas[i] is not None and self.replicas[i].poll() is None

    def stop(self):
        with self.lock:
            self.closing = True
        processes = [p for p in [*self.replicas, self.haproxy] if p and p.poll() is None]
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.psql:
            self.psql.close()
        if self.pg_started:
            subprocess.call([f"{ROOT}/scripts/pg-temp.sh", "stop", f"{self.work}/pg"], stderr=subprocess.DEVNULL)


def batch_lines(count, tag):
    return "".join(json.dumps({"custom_id": f"{tag}-{i}", "method": "POST", "url": "/v1/chat/completions",
                               "body": {"model": MODEL, "messages": [{"role": "user", "content": f"Say {i}."}],
                                        "max_tokens": 4, "temperature": 0}}) + "\n" for i in range(count))


def submit(url, count, tag):
    file_id = json.loads(request(url + "/v1/files", files={"purpose": (None, b"batch"),
                                                           "file": (f"{tag}.jsonl", batch_lines(count, tag).encode())}))["id"]
    batch = json.loads(request(url + "/v1/batches", {"input_file_id": file_id, "endpoint": "/v1/chat/completions",
                                                     "completion_window": "24h"}))
    return {"id": batch["id"], "tag": tag, "count": count, "submitted": time.time()}


def wait_batch(cluster, url, batch, timeout, samples=None):
    """Polls the batch until it ends; `samples` gets (time, lines done)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = json.loads(request(url + f"/v1/batches/{batch['id']}"))
        if samples is not None:
            samples.append((time.time(), int(cluster.psql.value(
                f"SELECT count(*) FROM batch_lines WHERE batch_id = '{batch['id']}' AND done"))))
        if status["status"] not in ("validating", "in_progress", "finalizing"):
            batch.update(status=status["status"], ended=time.time(), output_file_id=status.get("output_file_id"))
            return batch
        time.sleep(0.25)
    batch.update(status="timed out", ended=time.time())
    return batch


def check_output(url, batch):
    """Lines lost and duplicated in the batch's output file."""
    output = request(url + f"/v1/files/{batch['output_file_id']}/content").decode() if batch.get("output_file_id") else ""
    ids = [json.loads(line)["custom_id"] for line in output.splitlines()]
    expected = {f"{batch['tag']}-{i}" for i in range(batch["count"])}
    batch.update(output_lines=len(ids), lost=len(expected - set(ids)), duplicated=len(ids) - len(set(ids)))


def throughput(batch, samples):
    """Lines per second from submission to completion, and over the middle 80% of the lines."""
    whole = batch["count"] / (batch["ended"] - batch["submitted"])
    low, high = 0.1 * batch["count"], 0.9 * batch["count"]
    t_low = next((t for t, done in samples if done >= low), None)
    t_high = next((t for t, done in samples if done >= high), None)
    middle = (high - low) / (t_high - t_low) if t_low and t_high and t_high > t_low else float("nan")
    return whole, middle


class Online:
    """Bounded online traffic through the balancer: one short chat completion at a time, a
    pause between. Every request is kept with the phase it started in."""

    def __init__(self, url, pause):
        self.url, self.pause, self.phase = url, pause, None
        self.records, self.stopping, self.thread = [], threading.Event(), None

    def run(self):
        while not self.stopping.is_set():
            if self.phase is None:
                time.sleep(0.05)
                continue
            phase, start = self.phase, time.time()
            try:
                request(self.url + "/v1/chat/completions",
                        {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}, timeout=60)
                self.records.append((phase, start, time.time(), None))
            except Exception as error:
                self.records.append((phase, start, time.time(), str(error)))
            time.sleep(self.pause)

    def start(self):
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping.set()
        if self.thread:
            self.thread.join(timeout=70)


class KillTracker(threading.Thread):
    """After one kill: the lines the victim held, and when each was leased again (or found done)."""

    def __init__(self, cluster, kill, poll):
        super().__init__(daemon=True)
        self.cluster, self.kill, self.poll = cluster, kill, poll

    def run(self):
        kill, psql, lease = self.kill, self.cluster.psql, self.cluster.args.lease_seconds
        if not kill["owner"]:
            kill["held"] = []
            return
        rows = psql.rows(f"""SELECT batch_id, line_index, lease_attempt, extract(epoch FROM lease_expires_at)
                             FROM batch_lines WHERE lease_owner = '{kill["owner"]}' AND NOT done""")
        held = {(b, int(i)): {"attempt": int(a), "expires": float(e)} for b, i, a, e in rows}
        kill["held"] = held
        if not held:
            return
        keys = ",".join(f"('{b}',{i})" for b, i in held)
        deadline = time.time() + max(60, 6 * lease)
        while time.time() < deadline:
            waiting = [k for k, v in held.items() if "seen" not in v]
            if not waiting:
                break
            now = time.time()
            for b, i, owner, attempt, done, expires in psql.rows(f"""
                    SELECT batch_id, line_index, coalesce(lease_owner, ''), lease_attempt, done,
                           coalesce(extract(epoch FROM lease_expires_at), 0)
                    FROM batch_lines WHERE (batch_id, line_index) IN ({keys})"""):
                line = held[(b, int(i))]
                if "seen" in line:
                    continue
                if int(attempt) > line["attempt"]:
                    line.update(seen=now, new_owner=owner, done_on_sight=done == "t",
                                claimed=float(expires) - lease if owner and done != "t" else None)
                elif done == "t":  # the victim's own result, committed as it died
                    line.update(seen=now, by_victim=True)
            time.sleep(self.poll)


def summarize_online(records, phase, kills):
    rows = [r for r in records if r[0] == phase]
    ok = [(e - s) * 1000 for _, s, e, err in rows if not err]
    failed = [r for r in rows if r[3]]
    excused = [r for r in failed if any(r[1] - 0.5 <= k <= r[2] + 0.5 for k in kills)]
    return {"requests": len(rows), "p50_ms": percentile(ok, 50), "p99_ms": percentile(ok, 99),
            "max_ms": max(ok) if ok else float("nan"), "failed": len(failed),
            "failed_no_kill_in_flight": len(failed) - len(excused), "errors": [r[3] for r in failed][:5]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/conserve"))
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--lines", type=int, default=1000, help="lines in each throughput and online-batch batch")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--kill-lines", type=int, default=1500, help="lines in the kill phase's batch")
    parser.add_argument("--lease-seconds", type=float, default=5)
    parser.add_argument("--batch-concurrency", type=int, default=8)
    parser.add_argument("--online-seconds", type=float, default=60, help="length of the online-idle phase")
    parser.add_argument("--online-pause", type=float, default=0.3, help="seconds between online requests")
    parser.add_argument("--poll", type=float, default=0.1, help="seconds between looks at a killed replica's lines")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--json", help="write every figure here too")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) on exit")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"cluster_bench: no conserve binary at {args.binary}: pass --binary")
    if args.replicas < 2:
        sys.exit("cluster_bench: --replicas must be at least 2 (the kill phase never kills the last one serving)")
    for tool in ("haproxy", "psql"):
        if not shutil.which(tool):
            sys.exit(f"cluster_bench: {tool} is not installed: apt-get install -y postgresql haproxy")
    random.seed(args.seed)

    def interrupted(signum, frame):
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # once: the cleanup then runs to its end
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        raise KeyboardInterrupt
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # SIGINT too: a background job starts with it ignored
        signal.signal(getattr(signal, name), interrupted)

    work = tempfile.mkdtemp(prefix="conserve-cluster-bench-")
    os.chmod(work, 0o755)  # the PostgreSQL server runs as the postgres user under root
    cluster, code = Cluster(args, work), 1
    try:
        cluster.open()
        code = run(args, cluster, work)
    except KeyboardInterrupt:
        print("cluster_bench: interrupted; stopping", file=sys.stderr)
        code = 130
    finally:
        cluster.stop()
        if args.keep or code not in (0, 130):
            print(f"cluster_bench: logs in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


def run(args, cluster, work):
    results = {"args": vars(args), "phases": {}, "batches": [], "kills": []}
    phases = results["phases"]
    n = args.replicas
    first = f"http://127.0.0.1:{cluster.ports[0]}"

    def phase(name, body):
        print(f"cluster_bench: {name} …", file=sys.stderr, flush=True)
        before = CPU.look(cluster)
        figures = body() or {}
        figures.update(CPU.between(before, CPU.look(cluster)), started=before["t"])
        figures["ended"] = time.time()
        phases[name] = figures
        print(f"cluster_bench: {name}: " + json.dumps({k: v for k, v in figures.items() if not isinstance(v, list)}),
              file=sys.stderr, flush=True)

    def batch_phase(tag, count, url):
        def body():
            samples = []
            batch = wait_batch(cluster, url, submit(url, count, tag), timeout=1200, samples=samples)
            results["batches"].append(batch)
            whole, middle = throughput(batch, samples)
            return {"lines": count, "status": batch["status"], "lines_per_s": whole, "lines_per_s_middle": middle}
        return body

    cluster.start(0)
    phase("throughput-1", batch_phase("t1", args.lines, first))
    for i in range(1, n):
        cluster.start(i)
    cluster.start_balancer()
    online = Online(cluster.url, args.online_pause)
    online.start()
    try:
        def online_idle():
            online.phase = "online-idle"
            time.sleep(args.online_seconds)
            online.phase = None
            time.sleep(0.5)
        phase("online-idle", online_idle)
        phase(f"throughput-{n}", batch_phase(f"t{n}", args.lines, first))

        def online_batch():
            online.phase = "online-batch"
            figures = batch_phase("ob", args.lines, first)()
            online.phase = None
            return figures
        phase("online-batch", online_batch)
        phase("kills", lambda: kill_phase(args, cluster, online, results))
    finally:
        online.stop()
        results["online"] = online.records

    cluster.log.update()
    cluster.log.finish()
    for batch in results["batches"]:
        if batch.get("status") == "completed":
            check_output(cluster.url, batch)
    lease_rows = cluster.psql.rows("""SELECT b.tag, count(*), sum(l.lease_attempt - 1), count(*) FILTER (WHERE l.lease_attempt > 1),
                                             count(*) FILTER (WHERE NOT l.done)
                                      FROM batch_lines l JOIN (VALUES """ +
                                   ",".join(f"('{b['id']}','{b['tag']}')" for b in results["batches"]) +
                                   ") AS b(id, tag) ON b.id = l.batch_id GROUP BY b.tag")
    for tag, lines, extra, rerun, not_done in lease_rows:
        for batch in results["batches"]:
            if batch["tag"] == tag:
                batch.update(extra_leases=int(extra), lines_leased_again=int(rerun), not_done=int(not_done))
    results["leases"] = lease_stats(cluster.log.statements, phases)
    results["replica_warnings"] = replica_warnings(work, phases)
    print(markdown(args, results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    failed = any(b.get("lost") or b.get("duplicated") or b.get("status") != "completed" for b in results["batches"])
    return 1 if failed else 0


def kill_phase(args, cluster, online, results):
    n, kills, trackers, restarting = args.replicas, results["kills"], [], set()
    batches = [submit(cluster.url, args.kill_lines, "k0")]
    online.phase = "kills"
    while len(kills) < args.kills:
        try:  # through the balancer: a request on a replica as it is killed fails
            status = json.loads(request(cluster.url + f"/v1/batches/{batches[-1]['id']}"))["status"]
        except Exception:
            status = "in_progress"
        if status not in ("validating", "in_progress", "finalizing"):
            print(f"cluster_bench: batch {batches[-1]['tag']} {status} after {len(kills)} kills; submitting another",
                  file=sys.stderr, flush=True)
            serving = [i for i in range(n) if cluster.alive(i) and i not in restarting]
            batches.append(submit(f"http://127.0.0.1:{cluster.ports[serving[0]]}", args.kill_lines, f"k{len(batches)}"))
        serving = [i for i in range(n) if cluster.alive(i) and i not in restarting
                   and healthy(f"http://127.0.0.1:{cluster.ports[i]}")]
        if len(serving) >= 2:
            victim = random.choice(serving)
            owner = cluster.log.owner(f"replica{victim + 1}", cluster.started_at[victim])
            held_before = int(cluster.psql.value(
                f"SELECT count(*) FROM batch_lines WHERE lease_owner = '{owner}' AND NOT done")) if owner else 0
            at = time.time()
            cluster.replicas[victim].send_signal(signal.SIGKILL)
            cluster.replicas[victim].wait()
            time.sleep(0.1)  # a commit the victim sent as it died lands first
            kill = {"at": at, "replica": victim + 1, "owner": owner, "held_before": held_before,
                    "up_for": at - cluster.started_at[victim]}
            kills.append(kill)
            tracker = KillTracker(cluster, kill, args.poll)
            tracker.start()
            trackers.append(tracker)
            restarting.add(victim)

            def restart(i=victim):
                try:
                    time.sleep(random.uniform(0.2, 1.0))
                    cluster.start(i)
                except Exception as error:
                    print(f"cluster_bench: replica {i + 1} did not restart: {error}", file=sys.stderr, flush=True)
                finally:
                    restarting.discard(i)
            threading.Thread(target=restart, daemon=True).start()
            print(f"cluster_bench: kill {len(kills)}: replica {victim + 1}, held {held_before} lines",
                  file=sys.stderr, flush=True)
        time.sleep(random.uniform(1.0, 3.0))
    window_end = time.time()
    while restarting:
        time.sleep(0.2)
    online.phase = None
    for batch in batches:
        wait_batch(cluster, cluster.url, batch, timeout=1200)
    results["batches"].extend(batches)
    for tracker in trackers:
        tracker.join(timeout=120)
    for kill in kills:  # JSON-friendly
        kill["held"] = [dict(v, batch_id=b, line_index=i) for (b, i), v in kill.get("held", {}).items()] \
            if isinstance(kill.get("held"), dict) else kill.get("held", [])
    return {"kills": len(kills), "window_s": window_end - kills[0]["at"] if kills else 0,
            "batches": [b["tag"] for b in batches], "statuses": [b.get("status") for b in batches]}


def lease_stats(statements, phases):
    """Per lease statement and phase: the execute step's durations; and the heartbeat's gaps (the
    time between one replica's consecutive renewals inside a phase: past the lease, its leases
    could expire while it still runs their lines)."""
    def stats(rows):
        ms = [row[2] for row in rows if row[1] == "execute"]
        return {"count": len(ms), "median_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99),
                "max_ms": max(ms) if ms else float("nan")}
    windows = {"all": (0, float("inf")), **{name: (p["started"], p["ended"]) for name, p in phases.items()}}
    out = {}
    for statement, rows in statements.items():
        out[statement] = {name: stats([r for r in rows if start <= r[0] <= end]) for name, (start, end) in windows.items()}
    gaps = {}
    for name, (start, end) in list(windows.items())[1:]:
        by_owner = {}
        for at, step, _, owner in statements["renew"]:
            if step == "execute" and start <= at <= end:
                by_owner.setdefault(owner, []).append(at)
        values = [b - a for times in by_owner.values() for a, b in zip(times, times[1:])]
        gaps[name] = {"count": len(values), "median_s": percentile(values, 50), "p99_s": percentile(values, 99),
                      "max_s": max(values) if values else float("nan")}
    out["heartbeat_gaps"] = gaps
    return out


def replica_warnings(work, phases):
    """The replicas' own word on leases: 'lease lost' (a heartbeat found a line taken by another
    lease) and 'result not recorded' (a fenced completion refused), per phase."""
    found = {name: {"lease lost": 0, "result not recorded": 0} for name in phases}
    for log in sorted(f for f in os.listdir(work) if f.startswith("replica-")):
        with open(os.path.join(work, log), errors="replace") as f:
            for line in f:
                kind = next((k for k in ("lease lost", "result not recorded") if k in line), None)
                if not kind:
                    continue
                try:
                    at = datetime.datetime.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S%z").timestamp()
                except ValueError:
                    continue
                for name, p in phases.items():
                    if p["started"] - 1 <= at <= p["ended"] + 1:  # the log's time stamps are whole seconds
                        found[name][kind] += 1
                        break
    return found


def markdown(args, results):
    phases, n, kills = results["phases"], args.replicas, results["kills"]
    kill_times = [k["at"] for k in kills]
    out = [f"### Replicas on one PostgreSQL: {n} replicas, `--threads 1 --batch-concurrency {args.batch_concurrency} "
           f"--batch-lease-seconds {args.lease_seconds:g}`", "",
           "Command: `python3 bench/cluster_bench.py " + " ".join(sys.argv[1:]) + "`", ""]

    out += ["Batches (lines of 4 tokens, `temperature 0`):", "",
            "| batch | phase | lines | status | output lines | lost | duplicated | lines leased more than once | leases beyond the first |",
            "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    names = {"t1": "throughput-1", f"t{n}": f"throughput-{n}", "ob": "online-batch"}
    for b in results["batches"]:
        out.append(f"| {b['tag']} | {names.get(b['tag'], 'kills')} | {b['count']} | {b.get('status')} | {b.get('output_lines', '-')} "
                   f"| {b.get('lost', '-')} | {b.get('duplicated', '-')} | {b.get('lines_leased_again', '-')} | {b.get('extra_leases', '-')} |")

    out += ["", "Throughput, no kills, no online traffic (load average: 1, 5, 15 min; cores: CPU-seconds per second, of 2):", "",
            "| replicas | lines | lines/s, submit to completed | lines/s, middle 80% | load before → after | cores busy | of which this bench's | others' |",
            "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for name, replicas in (("throughput-1", 1), (f"throughput-{n}", n)):
        p = phases.get(name)
        if p:
            out.append(f"| {replicas} | {p['lines']} | {p['lines_per_s']:.1f} | {p['lines_per_s_middle']:.1f} | "
                       f"{' '.join(p['load_before'])} → {' '.join(p['load_after'])} | {p['cores_busy']:.2f} | "
                       f"{p['cores_ours']:.2f} | {p['cores_others']:.2f} |")

    held = [k for k in kills if isinstance(k.get("held"), list)]
    reclaims, observed, after_expiry, by_victim, unresolved = [], [], [], 0, 0
    for k in held:
        for line in k["held"]:
            if line.get("by_victim"):
                by_victim += 1
            elif "seen" not in line:
                unresolved += 1
            else:
                observed.append(line["seen"] - k["at"])
                if line.get("claimed") is not None:
                    reclaims.append(line["claimed"] - k["at"])
                    after_expiry.append(line["claimed"] - line["expires"])
    held_total = sum(len(k["held"]) for k in held)
    held_before = sum(k["held_before"] for k in kills)
    kill_batches = [b for b in results["batches"] if b["tag"].startswith("k")]
    extra = sum(b.get("extra_leases", 0) for b in kill_batches)
    out += ["", f"Kills: {len(kills)} SIGKILLs over {phases.get('kills', {}).get('window_s', 0):.0f} s "
                f"(victims up {percentile([k['up_for'] for k in kills], 50):.1f} s at the median before their kill).", "",
            "| | |", "| --- | ---: |",
            f"| lines the victims held, summed over kills (just before / just after each kill) | {held_before} / {held_total} |",
            f"| of those, completed by the victim as it died | {by_victim} |",
            f"| leases beyond the first, kill batches (re-runs) | {extra} |",
            f"| lines leased more than once, kill batches | {sum(b.get('lines_leased_again', 0) for b in kill_batches)} |",
            f"| held lines never seen leased again (tracker gave up) | {unresolved} |"]
    if reclaims:
        out += [f"| kill → held line leased again (database clock), lines | {len(reclaims)} |",
                f"| … min / median / P90 / P99 / max, s | {min(reclaims):.2f} / {percentile(reclaims, 50):.2f} / "
                f"{percentile(reclaims, 90):.2f} / {percentile(reclaims, 99):.2f} / {max(reclaims):.2f} |",
                f"| … its lease's expiry → leased again, median / max, s | {percentile(after_expiry, 50):.2f} / {max(after_expiry):.2f} |"]
    if observed:
        out.append(f"| kill → first poll that saw it leased again or done, max, s | {max(observed):.2f} |")
    worst = [max([line["claimed"] - k["at"] for line in k["held"] if line.get("claimed") is not None] or [0])
             for k in held if k["held"]]
    if worst:
        within = sum(1 for w in worst if w <= args.lease_seconds + 1)
        out.append(f"| per kill with lines held, the last one's re-lease after the kill, s ({within} of {len(worst)} "
                   f"within the lease + 1 s) | {', '.join(f'{w:.1f}' for w in worst)} |")

    out += ["", "Online requests through HAProxy (one at a time, 4 tokens, "
                f"{args.online_pause:g} s between):", "",
            "| phase | requests | P50 ms | P99 ms | max ms | failed | failed with no kill in flight |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    records = results.get("online", [])
    for phase in ("online-idle", "online-batch", "kills"):
        s = summarize_online(records, phase, kill_times)
        results.setdefault("online_summary", {})[phase] = s
        out.append(f"| {phase} | {s['requests']} | {s['p50_ms']:.0f} | {s['p99_ms']:.0f} | {s['max_ms']:.0f} | "
                   f"{s['failed']} | {s['failed_no_kill_in_flight']} |")

    leases = results["leases"]
    out += ["", "The lease statements, their execute step's duration from PostgreSQL's log (`log_min_duration_statement=0`): "
                "claim (`FOR UPDATE SKIP LOCKED`), complete (fenced result), renew (heartbeat):", "",
            "| phase | claims | claim median ms | claim P99 ms | claim max ms | complete P99 ms | renew P99 ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, c in leases["claim"].items():
        out.append(f"| {name} | {c['count']} | {c['median_ms']:.3f} | {c['p99_ms']:.3f} | {c['max_ms']:.3f} | "
                   f"{leases['complete'][name]['p99_ms']:.3f} | {leases['renew'][name]['p99_ms']:.3f} |")
    out += ["", f"Heartbeats (one replica's consecutive renewals; every {args.lease_seconds / 3:.2f} s when on time, "
                f"a lease expires after a gap over {args.lease_seconds:g} s) and the replicas' lease warnings:", "",
            "| phase | gaps | median s | P99 s | max s | 'lease lost' | 'result not recorded' |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, g in leases["heartbeat_gaps"].items():
        w = results["replica_warnings"][name]
        out.append(f"| {name} | {g['count']} | {g['median_s']:.2f} | {g['p99_s']:.2f} | {g['max_s']:.2f} | "
                   f"{w['lease lost']} | {w['result not recorded']} |")

    out += ["", "Load average (1, 5, 15 min) before → after, and cores in use, per phase:", "",
            "| phase | seconds | load before → after | cores busy | this bench's | others' |", "| --- | ---: | --- | ---: | ---: | ---: |"]
    for name, p in phases.items():
        out.append(f"| {name} | {p['seconds']:.0f} | {' '.join(p['load_before'])} → {' '.join(p['load_after'])} | "
                   f"{p['cores_busy']:.2f} | {p['cores_ours']:.2f} | {p['cores_others']:.2f} |")
    out[4:4] = targets(args, results, extra=extra, held_total=held_total, worst=worst, reclaims=reclaims)
    return "\n".join(out)


def targets(args, results, extra, held_total, worst, reclaims):
    """Issue 15's targets, each met or missed, as the first table of the summary."""
    kill_batches = [b for b in results["batches"] if b["tag"].startswith("k")]
    lost = sum(b.get("lost", 0) or 0 for b in kill_batches)
    duplicated = sum(b.get("duplicated", 0) or 0 for b in kill_batches)
    complete = all(b.get("status") == "completed" for b in kill_batches)
    lease_lost = results["replica_warnings"].get("kills", {}).get("lease lost", 0)
    limit = args.lease_seconds + 1
    claim = results["leases"]["claim"]
    online = results.get("online_summary", {})
    n = args.replicas
    t1, tn = results["phases"].get("throughput-1", {}), results["phases"].get(f"throughput-{n}", {})

    def verdict(ok):
        return "met" if ok else "**missed**"
    rows = [
        ("lines lost / duplicated over the kills", f"{lost} / {duplicated} over {len(results['kills'])} SIGKILLs"
         + ("" if complete else " (a kill batch did not complete)"), verdict(complete and lost == 0 and duplicated == 0)),
        ("lines re-run ≤ lines the killed replicas held", f"{extra} leases beyond the first vs {held_total} held at the kills"
         f" ('lease lost' on live replicas in the phase: {lease_lost})", verdict(extra <= held_total)),
        (f"kill → its lines leased elsewhere ≤ lease + 1 s = {limit:g} s",
         f"max {max(reclaims):.2f} s over {len(reclaims)} lines; {sum(1 for w in worst if w <= limit)} of {len(worst)} kills within"
         if reclaims else "no line held at a kill", verdict(not reclaims or max(reclaims) <= limit)),
        (f"batch lines/s, 1 and {n} replicas (`--threads 1` each)",
         f"{t1.get('lines_per_s_middle', float('nan')):.1f} and {tn.get('lines_per_s_middle', float('nan')):.1f} "
         f"(middle 80%); others' processes used {t1.get('cores_others', float('nan')):.2f} and "
         f"{tn.get('cores_others', float('nan')):.2f} of the 2 cores", "measured"),
        ("claim statement P99 (all phases)", f"{claim['all']['p99_ms']:.2f} ms over {claim['all']['count']} claims "
         f"(median {claim['all']['median_ms']:.2f}, max {claim['all']['max_ms']:.2f})", "measured"),
    ]
    for phase, label in (("online-idle", "without batch load"), ("online-batch", "with batch load"), ("kills", "during the kills")):
        s = online.get(phase)
        if s:
            rows.append((f"online P50 / P99 through HAProxy, {label}", f"{s['p50_ms']:.0f} / {s['p99_ms']:.0f} ms, "
                         f"{s['requests']} requests, {s['failed']} failed ({s['failed_no_kill_in_flight']} with no kill in flight)",
                         verdict(s["failed_no_kill_in_flight"] == 0) if phase == "kills" else "measured"))
    return ["Targets (issue 15):", "", "| target | measured | |", "| --- | --- | --- |",
            *[f"| {a} | {b} | {c} |" for a, b, c in rows], ""]


if __name__ == "__main__":
    main()
