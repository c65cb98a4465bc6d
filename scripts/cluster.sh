#!/usr/bin/env bash
# N `conserve serve` replicas on loopback ports sharing one PostgreSQL job store, behind HAProxy
# (Debian's package) with leastconn, health checks on /health and retry on connection failure.
# Prints the URL, then runs until interrupted (or until -t seconds pass); stops everything on exit.
#
#   scripts/cluster.sh [-n REPLICAS] [-p PORT] [-b BINARY] [-t SECONDS] [-- SERVE FLAGS...]
#
#   -n  replicas (default 3), on ports PORT+1 … PORT+N
#   -p  the load balancer's port (default 8080); PostgreSQL listens on PORT+100
#   -b  the conserve binary (default .build/release/conserve, else .build/debug/conserve)
#   -t  stop after this many seconds (default: run until SIGINT or SIGTERM)
#   flags after -- go to every `conserve serve` (e.g. -- --threads 1 --batch-lease-seconds 10)
#
# Needs: apt-get install -y postgresql haproxy curl.
set -euo pipefail
cd "$(dirname "$0")/.."

replicas=3 port=8080 binary="" seconds=""
while getopts "n:p:b:t:" option; do
    case $option in
    n) replicas=$OPTARG ;;
    p) port=$OPTARG ;;
    b) binary=$OPTARG ;;
    t) seconds=$OPTARG ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[[ "${1:-}" == "--" ]] && shift
if [[ -z "$binary" ]]; then
    binary=.build/release/conserve
    [[ -x "$binary" ]] || binary=.build/debug/conserve
fi
[[ -x "$binary" ]] || { echo "cluster: no conserve binary at $binary: run swift build -c release" >&2; exit 2; }
command -v haproxy >/dev/null || { echo "cluster: HAProxy is not installed: apt-get install -y haproxy" >&2; exit 2; }

work=$(mktemp -d /tmp/conserve-cluster.XXXXXX)
chmod 755 "$work" # the PostgreSQL server runs as the postgres user when this runs as root
pids=()
stop() {
    trap - EXIT INT TERM
    echo "cluster: stopping" >&2
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    scripts/pg-temp.sh stop "$work/pg" 2>/dev/null || true
    rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

job_store=$(scripts/pg-temp.sh start "$work/pg" $((port + 100)))

# One at a time: the first replica profiles the latency model, the others load it.
for i in $(seq 1 "$replicas"); do
    "$binary" serve --port $((port + i)) --job-store "$job_store" "$@" >"$work/replica-$i.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$((port + i))/health" >/dev/null && break
        kill -0 "${pids[-1]}" 2>/dev/null || { echo "cluster: replica $i exited:" >&2; tail -5 "$work/replica-$i.log" >&2; exit 1; }
        sleep 0.5
    done
    curl -sf "http://127.0.0.1:$((port + i))/health" >/dev/null || { echo "cluster: replica $i never became healthy" >&2; exit 1; }
done

{
    cat <<CONFIG
global
    maxconn 1024
defaults
    mode http
    timeout connect 2s
    timeout client 10m
    timeout server 10m
    # A request whose connection to a replica fails goes to another one; nothing is retried
    # once a replica has it (a completion is not idempotent).
    retries 3
    retry-on conn-failure
    option redispatch
frontend conserve
    bind 127.0.0.1:$port
    default_backend replicas
backend replicas
    balance leastconn
    option httpchk GET /health
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
CONFIG
    for i in $(seq 1 "$replicas"); do echo "    server replica-$i 127.0.0.1:$((port + i)) check"; done
} >"$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

echo "cluster: $replicas replicas (ports $((port + 1))-$((port + replicas))), jobs in $job_store, logs in $work"
echo "http://127.0.0.1:$port/v1"
if [[ -n "$seconds" ]]; then sleep "$seconds"; else wait; fi
