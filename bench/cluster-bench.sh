#!/usr/bin/env bash
# The cluster benchmark (docs/cluster-benchmarks.md): builds Release, starts a throwaway PostgreSQL 15 the way
# scripts/cluster does (initdb into a temporary folder owned by postgres, pg_ctl on a free loopback port),
# runs bench/ClusterBench against it (the tool starts its own broker and silo processes), then stops
# PostgreSQL and deletes its folder, also when the run fails or is interrupted.
#   bench/cluster-bench.sh [ClusterBench options, e.g. --events 50000 --failover-rounds 1]
# Prints Markdown tables; writes bench/results/cluster-<date>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
pgbin=/usr/lib/postgresql/15/bin

scripts/install-deps.sh --postgres
dotnet build Silo/Personalization.Silo.csproj -c Release -nologo -v quiet
dotnet build bench/ClusterBench/ClusterBench.csproj -c Release -nologo -v quiet

tmp="$(mktemp -d /tmp/cluster-bench-pg.XXXXXX)"
pgdata="$tmp/pg"
bench_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null || true # the tool stops its silos and broker on SIGTERM
    wait "$bench_pid" 2>/dev/null || true
  fi
  [ -f "$tmp/redis.pid" ] && kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true
  if [ -f "$pgdata/postmaster.pid" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 ||
      runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# PostgreSQL in a temporary folder, owned by the postgres user (as scripts/cluster).
mkdir -p "$pgdata"
chown postgres "$tmp" "$pgdata"
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
runuser -u postgres -- "$pgbin/initdb" -D "$pgdata" -U postgres --auth=trust >"$tmp/initdb.log"
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/postgres.log" -o "-p $pgport -k $pgdata -c listen_addresses=127.0.0.1" -w start >/dev/null
conn="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres"
echo "postgres: $conn" >&2

# Redis for Orleans' membership table (silos of a phase find each other there).
redisport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redisport" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log"
echo "redis: 127.0.0.1:$redisport" >&2

dotnet "$root/bench/ClusterBench/bin/Release/net10.0/Personalization.ClusterBench.dll" --postgres "$conn" \
  --silo-arg "--Cluster:Redis=127.0.0.1:$redisport" "$@" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=""
exit "$status"
