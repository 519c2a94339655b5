#!/bin/sh
# A private PostgreSQL cluster for the tests: pg_cluster.sh start DIR prints the URL of its
# "postgres" database (superuser mailsuite, trust authentication, a Unix socket inside DIR and
# no TCP port, so nothing outside this machine's tests can reach it); pg_cluster.sh stop DIR
# stops it and removes DIR. PostgreSQL refuses to run as root, so under root the cluster
# belongs to the unprivileged user nobody. fsync is off: the tests kill mailsuite's daemons,
# never the database server, and a test run should not wait on the disk for every commit.
# PG_CLUSTER_DURABLE=1 keeps PostgreSQL's durable defaults (benchmarks).
set -eu

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "$0: no PostgreSQL server found under /usr/lib/postgresql (install postgresql-15;" \
       "etc/install-deps.sh does)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

case $cmd in
start)
  if [ -d "$dir/data" ]; then "$0" stop "$dir"; fi  # left over from a killed run
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then chown nobody "$dir"; fi
  chmod 700 "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U mailsuite --auth=trust -E UTF8 --no-instructions \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  settings="-k $dir -c listen_addresses= -c max_connections=300"
  if [ -z "${PG_CLUSTER_DURABLE:-}" ]; then
    settings="$settings -c fsync=off -c full_page_writes=off"
  fi
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$settings" \
      start >/dev/null; then
    cat "$dir/server.log" >&2
    exit 1
  fi
  echo "postgresql:///postgres?host=$dir&user=mailsuite"
  ;;
stop)
  if [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*) usage ;;
esac
