#!/usr/bin/env bash
# A throwaway PostgreSQL server in a folder of its own, from Debian's packages (apt-get install -y
# postgresql): used by the job store's tests and by scripts/cluster.sh.
#
#   scripts/pg-temp.sh start DIR PORT   create the cluster in DIR (if new), start it on 127.0.0.1:PORT
#                                       (socket in DIR too), create database conserve; print its URL
#   scripts/pg-temp.sh stop DIR         stop it (fast: the cluster is disposable)
#
# PG_TEMP_OPTIONS, if set, is appended to the server's options (postgres -c NAME=VALUE …, as
# pg_ctl -o takes them; a value with spaces in single quotes), e.g. statement timing for
# bench/cluster_bench.py: PG_TEMP_OPTIONS="-c log_min_duration_statement=0 -c log_line_prefix='%n [%u] '"
#
# initdb refuses to run as root, so as root the server runs as the postgres user.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
    echo "pg-temp: PostgreSQL is not installed: run apt-get install -y postgresql" >&2
    exit 2
fi
as_owner() {
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    dir=$2 port=$3
    mkdir -p "$dir"
    [[ $(id -u) == 0 ]] && chown postgres: "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # fsync stays on: the tests restart the server and expect committed rows back.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200 ${PG_TEMP_OPTIONS:-}" >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'conserve'" |
        grep -q 1 || "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE conserve"
    echo "postgres://postgres@127.0.0.1:$port/conserve"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
