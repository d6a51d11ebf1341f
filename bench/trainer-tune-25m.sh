#!/usr/bin/env bash
# Default against tuned settings on a generated ml-25m-shaped set (docs/trainer.md, "Tuning"): writes the set with
# planted taste (bench/TrainerBench --write-movielens), then for each protocol evaluates popularity and runs `tune`
# for each model (EASE does not fit: its 62,423 x 62,423 Gram matrix is 15.6 GB of floats and its inverse ~8e13 flops).
#   bench/trainer-tune-25m.sh [DATA_DIR] [CONFIGURATIONS] [PROTOCOLS] [MODELS]
#   defaults: /tmp/ml25, 27, "time holdout last", "als mf"; e.g. bench/trainer-tune-25m.sh /tmp/ml25 9 "holdout last" als
#   OUT=DIR writes into DIR instead of bench/results/tune-25m-<date> (to add to an earlier run)
# Writes bench/results/tune-25m-<date>/*.json and the console reports beside them. The trainer runs from a copy,
# so rebuilding the tree meanwhile does not change the binaries under a run. On 2 cores one ALS search with 27
# configurations takes about 25 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-/tmp/ml25}"
configurations="${2:-27}"
protocols="${3:-time holdout last}"
models="${4:-als mf}"
out="${OUT:-bench/results/tune-25m-$(date +%Y-%m-%d)}"   # OUT=DIR adds to an earlier run's folder
mkdir -p "$out"
dotnet build bench/TrainerBench/TrainerBench.csproj -c Release -nologo -v quiet
[ -f "$data/ratings.csv" ] || dotnet bench/TrainerBench/bin/Release/net10.0/TrainerBench.dll --write-movielens "$data"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
cp -r bench/TrainerBench/bin/Release/net10.0/. "$bin/"
trainer="$bin/Personalization.Trainer.dll"
for protocol in $protocols; do
  [ -f "$out/evaluate-popularity-$protocol.json" ] || dotnet "$trainer" evaluate --dataset movielens "$data" --model popularity --protocol "$protocol" \
    --seed 42 --k 20 --json "$out/evaluate-popularity-$protocol.json" > "$out/evaluate-popularity-$protocol.txt" 2>&1
  for model in $models; do
    /usr/bin/time -v dotnet "$trainer" tune --dataset movielens "$data" --model "$model" --protocol "$protocol" --seed 42 --k 20 \
      --configurations "$configurations" --json "$out/tune-$model-$protocol.json" > "$out/tune-$model-$protocol.txt" 2>&1
    grep -E '^\||chosen|trials' "$out/tune-$model-$protocol.txt" || true
  done
done
