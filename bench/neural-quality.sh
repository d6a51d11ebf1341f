#!/usr/bin/env bash
# The neural models beside the others on ml-latest-small (docs/trainer.md, "Neural models"): every model under the
# strong-generalization protocol (`users`, Liang et al. 2018) at K = 20, 50 and 100, so the table has Recall@20,
# Recall@50 and NDCG@100 with intervals, as the published ML-20M results are given.
#   bench/neural-quality.sh [DATA_DIR] [PROTOCOLS] [MODELS]
#   defaults: ../shared/data/ml-latest-small, "users", "popularity als ease multvae"
# Writes bench/results/neural-<date>/evaluate-<model>-<protocol>-k<K>.json and the console reports beside them; the
# trainer runs from a copy of its build.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data/ml-latest-small}"
protocols="${2:-users}"
models="${3:-popularity als ease multvae}"
out="${OUT:-bench/results/neural-$(date +%Y-%m-%d)}"
mkdir -p "$out"
dotnet build Trainer/Personalization.Trainer.csproj -c Release -nologo -v quiet
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
cp -r Trainer/bin/Release/net10.0/. "$bin/"
for protocol in $protocols; do
  for model in $models; do
    for k in 20 50 100; do
      name="evaluate-$model-$protocol-k$k"
      /usr/bin/time -v dotnet "$bin/Personalization.Trainer.dll" evaluate --dataset movielens "$data" --model "$model" --protocol "$protocol" \
        --seed 42 --k "$k" --json "$out/$name.json" > "$out/$name.txt" 2>&1
      grep -E "trained in|recall@$k |ndcg@$k " "$out/$name.txt" | tr '\n' ' '; echo " ($name)"
    done
  done
done
