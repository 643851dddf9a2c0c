#!/usr/bin/env bash
# Training tokens/s of t2's testbed against PyTorch 1.13 (Debian python3-torch + libopenblas0-pthread), 2 threads, same
# architecture and step. The machine is shared and noisy, so each side runs ROUNDS times, alternating, and the best is kept.
set -euo pipefail
ROUNDS=${ROUNDS:-3}
dotnet build -c Release src/T2.Cli >/dev/null
T2="dotnet src/T2.Cli/bin/Release/net10.0/t2.dll"
for cfg in "64 2 4 64 32" "128 4 4 64 32" "256 4 4 128 16"; do
  set -- $cfg
  best_t2=0; best_pt=0
  for r in $(seq "$ROUNDS"); do
    a=$($T2 testbed bench --d-model $1 --layers $2 --heads $3 --ctx $4 --batch $5 --steps 20 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["train_tokens_per_s"])')
    b=$(/usr/bin/python3 bench/torch_gpt.py --d-model $1 --layers $2 --heads $3 --ctx $4 --batch $5 --steps 20 | python3 -c 'import json,sys; print(json.load(sys.stdin)["train_tokens_per_s"])')
    best_t2=$(python3 -c "print(max($best_t2, $a))"); best_pt=$(python3 -c "print(max($best_pt, $b))")
  done
  python3 -c "print(f'd-model $1, $2 layers, ctx $4, batch $5: t2 {$best_t2:,.0f} tok/s, PyTorch {$best_pt:,.0f} tok/s, ratio {$best_t2/$best_pt:.2f}x')"
done
