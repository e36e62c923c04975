#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on loopback for tests and benchmarks, and print its URL.
#   scripts/pg_server.sh start DIR [PORT]   → initdb in DIR (if new), start, create database govcase
#   scripts/pg_server.sh stop DIR
# PG_SHARED_BUFFERS (default 64MB, enough for the tests) sizes the server's page cache: a benchmark
# store larger than it reads its pages from the operating system again and again.
# PostgreSQL refuses to run as root: as root the cluster belongs to the postgres user
# (Debian's package creates it). Needs the server binaries (apt-get install postgresql).
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}; port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/pg_ctl" ] || { echo "no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 3; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $cmd in
start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
        # mktemp -d makes 0700 directories: the postgres user must be able to walk down to DIR.
        d=$(dirname "$(realpath "$dir")")
        while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
    fi
    if [ ! -f "$dir/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir" -U govcase --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c shared_buffers=${PG_SHARED_BUFFERS:-64MB}" start >/dev/null
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U govcase -d postgres -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = 'govcase'" | grep -q 1 ||
        as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U govcase govcase
    echo "postgresql://govcase@127.0.0.1:$port/govcase"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
esac
