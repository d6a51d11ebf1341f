#!/usr/bin/env bash
# Installs what the project needs from Debian when it is missing: librdkafka (the native Kafka client
# Confluent.Kafka 1.9.3 runs on, and whose mock cluster is the embedded broker) and PostgreSQL 15 (the
# cluster storage provider; its tests start a throwaway server from /usr/lib/postgresql/15/bin) and Chromium
# (the dashboard's browser test drives it with Playwright) when called with --postgres (the test set-up).
# Idempotent.
set -euo pipefail

need=()
[ -e /usr/lib/x86_64-linux-gnu/librdkafka.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/librdkafka.so.1 ] || need+=(librdkafka1)
if [ "${1:-}" = "--postgres" ]; then
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
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
