#!/usr/bin/env bash
# "Beyond accuracy" on ml-latest-small (docs/trainer.md): tuned ALS (alpha 1, lambda 20) and EASE (lambda 500),
# holdout protocol, test fraction 0.2, seed 42, K = 20, over the grid diversity lambda x popularity penalty beta x
# exploration epsilon, with the trainer's own `evaluate` command. The metrics are deterministic (seeded split,
# per-user exploration seeds), so the machine's load changes only the times.
#   bench/rerank-bench.sh [MOVIELENS_DIR]      (default: ../shared/data/ml-latest-small)
# Writes bench/results/rerank-<date>/*.json and prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
movielens="${1:-../shared/data/ml-latest-small}"
out="bench/results/rerank-$(date +%Y-%m-%d-%H%M%S)"
mkdir -p "$out"

dotnet build Trainer/Personalization.Trainer.csproj -c Release -nologo -v quiet
trainer=Trainer/bin/Release/net10.0/Personalization.Trainer.dll

declare -A model_args=([als]="--model als --alpha 1 --regularization 20" [ease]="--model ease")
for model in als ease; do
  for diversity in 0 0.3 0.6; do
    for penalty in 0 0.5 1; do
      for exploration in 0 0.1; do
        # shellcheck disable=SC2086
        dotnet "$trainer" evaluate --dataset movielens "$movielens" ${model_args[$model]} --protocol holdout --test-fraction 0.2 \
          --seed 42 --k 20 --threads 2 --diversity "$diversity" --popularity-penalty "$penalty" --exploration "$exploration" \
          --json "$out/$model-d$diversity-p$penalty-e$exploration.json" > /dev/null 2>&1
      done
    done
  done
done

echo "| model | λ (diversity) | β (popularity) | ε (exploration) | recall@20 | ndcg@20 | coverage@20 | ild@20 | novelty@20 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for model in als ease; do
  for diversity in 0 0.3 0.6; do
    for penalty in 0 0.5 1; do
      for exploration in 0 0.1; do
        jq -r --arg model "$model" --arg d "$diversity" --arg p "$penalty" --arg e "$exploration" \
          '.Metrics as $m | "| \($model) | \($d) | \($p) | \($e) | \($m["recall@20"] * 10000 | round / 10000) | \($m["ndcg@20"] * 10000 | round / 10000) | \($m["coverage@20"] * 10000 | round / 10000) | \($m["ild@20"] * 10000 | round / 10000) | \($m["novelty@20"] * 1000 | round / 1000) |"' \
          "$out/$model-d$diversity-p$penalty-e$exploration.json"
      done
    done
  done
done
echo "results in $out"
