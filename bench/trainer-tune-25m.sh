#!/usr/bin/env bash
# Default against tuned settings on a generated ml-25m-shaped set (docs/trainer.md, "Tuning"): writes the set with
# planted taste (bench/TrainerBench --write-movielens), then for each protocol evaluates popularity and runs `tune`
# for ALS and MF (EASE does not fit: its 62,423 x 62,423 Gram matrix is 15.6 GB of floats and its inverse ~8e13 flops).
#   bench/trainer-tune-25m.sh [DATA_DIR] [CONFIGURATIONS]     (defaults: /tmp/ml25, 27)
# Writes bench/results/tune-25m-<date>/*.json and the console reports beside them. The trainer runs from a copy,
# so rebuilding the tree meanwhile does not change the binaries under a run.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-/tmp/ml25}"
configurations="${2:-27}"
out="bench/results/tune-25m-$(date +%Y-%m-%d)"
mkdir -p "$out"
dotnet build bench/TrainerBench/TrainerBench.csproj -c Release -nologo -v quiet
[ -f "$data/ratings.csv" ] || dotnet bench/TrainerBench/bin/Release/net10.0/TrainerBench.dll --write-movielens "$data"
bin="$(mktemp -d)"
cp -r bench/TrainerBench/bin/Release/net10.0/. "$bin/"
trainer="$bin/Personalization.Trainer.dll"
for protocol in time holdout last; do
  dotnet "$trainer" evaluate --dataset movielens "$data" --model popularity --protocol "$protocol" --seed 42 --k 20 \
    --json "$out/evaluate-popularity-$protocol.json" > "$out/evaluate-popularity-$protocol.txt" 2>&1
  for model in als mf; do
    /usr/bin/time -v dotnet "$trainer" tune --dataset movielens "$data" --model "$model" --protocol "$protocol" --seed 42 --k 20 \
      --configurations "$configurations" --json "$out/tune-$model-$protocol.json" > "$out/tune-$model-$protocol.txt" 2>&1
    tail -n 12 "$out/tune-$model-$protocol.txt" | grep -E '^\||chosen|trials' || true
  done
done
rm -rf "$bin"
