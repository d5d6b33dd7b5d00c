#!/usr/bin/env bash
# The model candidates' speed on the validation system, through the plugin on 2 ranks: the
# trained model run by our native engine (model.dp, nets and tabulated embedding), by DeePMD-kit
# (model.pth) and by DeePMD-kit compressed (model-compressed.pth). ROUNDS rounds (default 2), the candidates interleaved in
# each, STEPS NVE steps at 0.5 fs per run (default 20); the report takes each candidate's
# per-step time from the plugin's summary (rank 0, mean over the run).
#   validation/md/speed.sh OUTDIR SYSTEMDIR TRAINDIR        (inside scripts/env)
set -euo pipefail
out=$1 sys=$2 train=$3 rounds=${ROUNDS:-2} steps=${STEPS:-20}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for round in $(seq 1 "$rounds"); do
  for candidate in model.dp:no model.dp:yes model-compressed.pth:no model.pth:no; do
    model=${candidate%:*} tabulate=${candidate#*:}
    name=${model//./-}; [ "$tabulate" = no ] || name=$name-tabulated
    run=$out/$name-$round  # model-dp-1, model-dp-tabulated-1, model-compressed-pth-1, ...
    [ -f "$run/run.json" ] || TABULATE=$tabulate bash "$here/run.sh" "$run" "$sys" nn nve 0.0005 "$steps" 2 "$train/$model"
  done
done
