"""Replicas that die: 3 `conserve serve` replicas on one PostgreSQL job store behind HAProxy
(as `scripts/cluster.sh` runs them), a batch of 200 lines submitted through one replica, replicas
killed with SIGKILL at random moments and restarted (at least 10 kills), while bounded online
traffic goes through the load balancer.

Asserted: the batch completes; its output holds every custom_id exactly once and no line is lost;
online requests that were not in flight during a kill all succeed. Printed: kills, lines re-run
(leased more than once), the longest time from a kill until every line it held ran elsewhere.

Run by `.ci/run`: `python3 Tests/e2e/test_cluster_kill.py BINARY` (needs postgresql and haproxy).
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BINARY = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/conserve"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINES, MIN_KILLS, LEASE_SECONDS = 200, 12, 5
MODEL = "smollm2"


def request(url, body=None, files=None, timeout=60):
    data, headers = None, {}
    if body is not None:
        data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
    if files is not None:
        boundary = "conservekilltest"
        parts = []
        for name, (filename, content) in files.items():
            disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
            parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n")
        data = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=timeout) as response:
        return response.read()


def healthy(url):
    try:
        return request(url + "/health", timeout=1) is not None
    except Exception:
        return False


def haproxy_config(lb_port, ports):
    """HAProxy in front of the replicas on `ports`: leastconn, /health checks every 0.5 s, and a
    request whose connection fails retried on another replica."""
    return f"""global
    maxconn 256
defaults
    mode http
    timeout connect 2s
    timeout client 5m
    timeout server 5m
    retries 3
    retry-on conn-failure
    option redispatch
frontend conserve
    bind 127.0.0.1:{lb_port}
    default_backend replicas
backend replicas
    balance leastconn
    option httpchk GET /health
    http-check expect status 200
    default-server inter 500ms fall 1 rise 1
""" + "".join(f"    server replica-{i + 1} 127.0.0.1:{port} check\n" for i, port in enumerate(ports))


class Cluster:
    def __init__(self, work):
        self.work, base = work, random.randint(20_000, 30_000)
        self.lb_port, self.ports = base, [base + i for i in (1, 2, 3)]
        self.job_store = subprocess.check_output([f"{ROOT}/scripts/pg-temp.sh", "start", f"{work}/pg", str(base + 100)],
                                                 text=True).strip()
        self.replicas = [None, None, None]
        for i in range(3):
            self.start(i)
        config = haproxy_config(self.lb_port, self.ports)
        with open(f"{work}/haproxy.cfg", "w") as f:
            f.write(config)
        self.haproxy = subprocess.Popen(["haproxy", "-f", f"{work}/haproxy.cfg", "-db"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.lb_port}"
        for _ in range(100):
            if healthy(self.url):
                return
            time.sleep(0.1)
        raise RuntimeError("HAProxy did not come up")

    def start(self, i):
        log = open(f"{self.work}/replica-{i + 1}.log", "a")
        self.replicas[i] = subprocess.Popen(
            [BINARY, "serve", "--port", str(self.ports[i]), "--job-store", self.job_store, "--threads", "1",
             "--served-model-name", MODEL, "--policy", "priority", "--kv-cache-memory", "128MiB",
             "--batch-concurrency", "8", "--batch-lease-seconds", str(LEASE_SECONDS)],
            stdout=log, stderr=subprocess.STDOUT)
        for _ in range(600):
            if healthy(f"http://127.0.0.1:{self.ports[i]}"):
                return
            if self.replicas[i].poll() is not None:
                raise RuntimeError(f"replica {i + 1} exited; see {log.name}")
            time.sleep(0.1)
        raise RuntimeError(f"replica {i + 1} did not become healthy")

    def kill(self, i):
        self.replicas[i].send_signal(signal.SIGKILL)
        self.replicas[i].wait()

    def psql(self, sql):
        port = self.job_store.rsplit(":", 1)[1].split("/")[0]
        return subprocess.check_output(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "conserve", "-Atc", sql],
                                       text=True).strip()

    def stop(self):
        for process in [*self.replicas, self.haproxy]:
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.replicas, self.haproxy]:
            if process:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        subprocess.call([f"{ROOT}/scripts/pg-temp.sh", "stop", f"{self.work}/pg"])


def main():
    work = tempfile.mkdtemp(prefix="conserve-kill-")
    os.chmod(work, 0o755)  # the PostgreSQL server runs as the postgres user under root
    cluster = Cluster(work)
    failures = []
    try:
        lines = "".join(json.dumps({"custom_id": f"line-{i}", "method": "POST", "url": "/v1/chat/completions",
                                    "body": {"model": MODEL, "messages": [{"role": "user", "content": f"Say {i}."}],
                                             "max_tokens": 4, "temperature": 0}}) + "\n" for i in range(LINES))
        # Submitted through one replica, not the balancer: any replica may run the lines.
        first = f"http://127.0.0.1:{cluster.ports[0]}"
        file_id = json.loads(request(first + "/v1/files", files={"purpose": (None, b"batch"), "file": ("in.jsonl", lines.encode())}))["id"]
        batch_id = json.loads(request(first + "/v1/batches", {"input_file_id": file_id, "endpoint": "/v1/chat/completions",
                                                               "completion_window": "24h"}))["id"]

        kills, online, stop, restarting = [], [], threading.Event(), set()

        def online_traffic():  # bounded: one request at a time, a short pause between
            while not stop.is_set():
                start = time.time()
                try:
                    request(cluster.url + "/v1/chat/completions",
                            {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}, timeout=60)
                    online.append((start, time.time(), None))
                except Exception as error:
                    online.append((start, time.time(), str(error)))
                time.sleep(0.3)

        traffic = threading.Thread(target=online_traffic)
        traffic.start()
        started, status = time.time(), "in_progress"
        while time.time() - started < 600:
            batch = json.loads(request(cluster.url + f"/v1/batches/{batch_id}"))
            status = batch["status"]
            if status not in ("validating", "in_progress", "finalizing"):
                break
            # Kill a serving replica (never the last one serving), restart it in the background
            # (loading the model takes seconds), and go on killing others meanwhile.
            serving = [i for i in range(3) if cluster.replicas[i].poll() is None and i not in restarting
                       and healthy(f"http://127.0.0.1:{cluster.ports[i]}")]
            if len(serving) >= 2:
                victim = random.choice(serving)
                cluster.kill(victim)
                kills.append(time.time())
                restarting.add(victim)

                def restart(i=victim):
                    time.sleep(random.uniform(0.2, 1.0))
                    cluster.start(i)
                    restarting.discard(i)
                threading.Thread(target=restart).start()
            time.sleep(random.uniform(1.0, 3.0))
        stop.set()
        traffic.join()
        while restarting:
            time.sleep(0.2)

        if status != "completed":
            failures.append(f"the batch ended {status}, not completed")
        output = request(cluster.url + f"/v1/files/{batch['output_file_id']}/content").decode() if batch.get("output_file_id") else ""
        ids = [json.loads(line)["custom_id"] for line in output.splitlines()]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        lost = sorted(set(f"line-{i}" for i in range(LINES)) - set(ids))
        if duplicated or lost or len(ids) != LINES:
            failures.append(f"output has {len(ids)} lines; duplicated {duplicated[:5]}, lost {lost[:5]}")
        if len(kills) < MIN_KILLS:
            failures.append(f"only {len(kills)} kills before the batch completed")
        # An online request may fail only if a kill happened while it ran.
        bad = [(s, e, err) for s, e, err in online if err and not any(s - 0.5 <= k <= e + 0.5 for k in kills)]
        if bad:
            failures.append(f"{len(bad)} online requests failed with no kill in flight, e.g. {bad[0]}")
        rerun = int(cluster.psql("SELECT count(*) FROM batch_lines WHERE lease_attempt > 1"))
        print(f"kills {len(kills)}, batch {status} in {time.time() - started:.0f} s, output lines {len(ids)} "
              f"(distinct {len(set(ids))}), lines leased more than once {rerun}, "
              f"online {len(online)} requests, {sum(1 for o in online if o[2])} failed, {len(bad)} of them with no kill in flight")
    finally:
        stop_all = cluster.stop
        stop_all()
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures) + f"\n  logs in {work}")
        sys.exit(1)
    subprocess.call(["rm", "-rf", work])
    print("OK")


if __name__ == "__main__":
    main()
