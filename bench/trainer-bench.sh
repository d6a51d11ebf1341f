#!/usr/bin/env bash
# The trainer benchmarks (docs/trainer-benchmarks.md):
#  1. seconds per ALS iteration and GFLOP/s, conjugate gradient against the exact Cholesky baseline, 1 and 2 threads,
#     on ml-latest-small and on a synthetic 100,000 x 20,000 x 5,000,000 power-law set (bench/TrainerBench);
#  2. Recall@20 / NDCG@20 of every model under both protocols on ml-latest-small, and biased MF's RMSE
#     (the trainer's own `evaluate` command);
#  3. `recommend` time per user.
#   bench/trainer-bench.sh [MOVIELENS_DIR]      (default: ../shared/data/ml-latest-small)
# Writes bench/results/trainer-<date>/*.json and prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
movielens="${1:-../shared/data/ml-latest-small}"
out="bench/results/trainer-$(date +%Y-%m-%d-%H%M%S)"
mkdir -p "$out"

dotnet build bench/TrainerBench/TrainerBench.csproj -c Release -nologo -v quiet
bench=bench/TrainerBench/bin/Release/net10.0/TrainerBench.dll
trainer=bench/TrainerBench/bin/Release/net10.0/Personalization.Trainer.dll

echo "## ALS iterations: ml-latest-small"
dotnet "$bench" --dataset movielens "$movielens" --iterations 15 --threads 1,2 --solvers cg,cholesky --out "$out/als-movielens.json"
echo "## ALS iterations: synthetic 100k x 20k x 5M"
dotnet "$bench" --dataset synthetic --iterations 15 --threads 1,2 --solvers cg,cholesky --out "$out/als-synthetic.json"

echo "## Offline evaluation: ml-latest-small, K = 20"
for protocol in holdout users; do
  for model in popularity als ease mf; do
    dotnet "$trainer" evaluate --dataset movielens "$movielens" --model "$model" --protocol "$protocol" \
      --test-fraction 0.2 --seed 42 --k 20 --json "$out/evaluate-$model-$protocol.json" 2>/dev/null
  done
  # ALS tuned for MovieLens ratings (a small grid over alpha and lambda), and the exact solver at the same settings
  # to show that conjugate gradient costs no quality.
  dotnet "$trainer" evaluate --dataset movielens "$movielens" --model als --alpha 1 --regularization 20 --protocol "$protocol" \
    --test-fraction 0.2 --seed 42 --k 20 --json "$out/evaluate-als-tuned-$protocol.json" 2>/dev/null
  dotnet "$trainer" evaluate --dataset movielens "$movielens" --model als --alpha 1 --regularization 20 --solver cholesky --protocol "$protocol" \
    --test-fraction 0.2 --seed 42 --k 20 --json "$out/evaluate-als-tuned-cholesky-$protocol.json" 2>/dev/null
done
echo "## Biased MF RMSE: 10 % of each user's ratings held out"
dotnet "$trainer" evaluate --dataset movielens "$movielens" --model mf --protocol holdout --test-fraction 0.1 --seed 42 \
  --json "$out/evaluate-mf-rmse.json" 2>/dev/null

echo "## recommend: time per user (all 610 users, K = 20)"
cut -d, -f1 "$movielens/ratings.csv" | tail -n +2 | sort -un > "$out/users.txt"
for model in als ease; do
  dotnet "$trainer" recommend --dataset movielens "$movielens" --model "$model" --users "$out/users.txt" --k 20 --out "$out/recommend-$model.csv" 2>&1 | tail -1
  for threads in 1 2; do
    dotnet "$trainer" recommend --dataset movielens "$movielens" --model "$model" --threads "$threads" --users "$out/users.txt" --k 20 \
      --out "$out/recommend-$model.csv" 2>&1 | tail -1
  done
done
rm -f "$out"/recommend-*.csv
echo "results in $out"
