#!/usr/bin/env bash
# Trains the shakespeare-char-cpu preset with TransformerSharp and with the PyTorch reference for each seed given,
# one thread each (the two run side by side, one per core), and prints both final validation losses per seed.
# usage: bench/reference/shakespeare_seeds.sh DATA/input.txt OUT_DIR SEED [SEED ...]
set -euo pipefail
data=$1; out=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
cli=$here/../../src/TransformerSharp.Cli/bin/Release/net10.0/TransformerSharp.Cli.dll
dotnet build "$here/../../src/TransformerSharp.Cli" -c Release -v q >/dev/null
mkdir -p "$out"
for seed in "$@"; do
  dotnet "$cli" --threads 1 gpt train --data "$data" --preset shakespeare-char-cpu --seed "$seed" --out "$out/ours-$seed" > "$out/ours-$seed.log" 2>&1 &
  OPENBLAS_NUM_THREADS=1 "${PYTHON:-/usr/bin/python3}" "$here/gpt_reference.py" "$data" --seed "$seed" --threads 1 > "$out/pytorch-$seed.log" 2>&1
  wait
  ours=$(grep -a '^final:' "$out/ours-$seed.log" | sed -E 's/.*, val loss ([0-9.]+),.*/\1/')
  torch=$(grep 'step 2000:' "$out/pytorch-$seed.log" | sed -E 's/.*val loss ([0-9.]+).*/\1/')
  echo "seed $seed: TransformerSharp $ours, PyTorch $torch"
done
