#!/usr/bin/env bash
# Starts the whole system in one process on the embedded default: in-process Kafka (librdkafka's mock
# cluster), SQLite under ./data, a first model trained on the synthetic catalog, the gateway on
# http://127.0.0.1:5080. Extra arguments pass through, e.g.:
#   scripts/run.sh --dataset movielens ~/data/ml-latest-small --data-dir data-ml   (MovieLens from grouplens.org)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec dotnet run --project Silo -c Release -- "$@"
