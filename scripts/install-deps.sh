#!/usr/bin/env bash
# Installs what the project needs from Debian when it is missing. The embedded default needs nothing beyond the
# .NET SDK (librdkafka comes with the librdkafka.redist package). With --postgres (the test set-up): PostgreSQL 15
# (the cluster storage provider; its tests start a throwaway server from /usr/lib/postgresql/15/bin), Redis (the
# Orleans membership store of the cluster tests) and Chromium (the dashboards' browser test drives it with Playwright).
# Idempotent.
set -euo pipefail

need=()
if [ "${1:-}" = "--postgres" ]; then
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
  [ -x /usr/bin/redis-server ] || need+=(redis-server)
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
command -v dotnet >/dev/null 2>&1 || { echo "error: the .NET SDK 10 (dotnet) is not on PATH" >&2; exit 1; }

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${need[*]} from apt" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
