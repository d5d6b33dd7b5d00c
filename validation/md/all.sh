#!/usr/bin/env bash
# The MD part of the validation: chignolin in water (build_protein.sh), then with the committed
# model (all atoms NN, 2 ranks; the .dp, run by our native engine) and with the reference force
# field (classical, 2 ranks); NN runs with tabulate_embedding = yes (TABULATE, default yes):
#   NVE at 0.5 fs and 1 fs (NVE_PS each, default 5 ps), NVT at 1 fs (NVT_PS, default 20 ps),
#   and 100 NN steps at 0.5 fs on 1 and on 2 ranks with positions every step (ranks1/, ranks2/).
#   validation/md/all.sh OUTDIR        (inside scripts/env; MODEL=... overrides the model)
# SYSTEM=chignolin (default; OUTDIR/protein) or dipeptide (ACE-ALA-NME, a training fragment's
# molecule, in 0.7 nm of water; OUTDIR/dipeptide).
# With TRAIN_DIR set (the train stage), first the candidates' speed (speed.sh, into OUTDIR/speed).
# A run whose run.json exists is not repeated.
set -euo pipefail
out=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
model=${MODEL:-$here/../model/dpa1-protein.dp}
nve_ps=${NVE_PS:-5} nvt_ps=${NVT_PS:-20}
export TABULATE=${TABULATE:-yes}
case ${SYSTEM:-chignolin} in
  chignolin) sys=$out/protein build=() ;;
  dipeptide) sys=$out/dipeptide build=(0.7 cap-A) ;;
  *) echo "SYSTEM: chignolin or dipeptide, not '$SYSTEM'" >&2; exit 1 ;;
esac
[ -f "$sys/conf.gro" ] || bash "$here/build_protein.sh" "$sys" "${build[@]}"
[ -z "${TRAIN_DIR:-}" ] || bash "$here/speed.sh" "$out/speed" "$sys" "$TRAIN_DIR"
steps() { python3 -c "print(round($1 / $2))"; }
once() { [ -f "$out/md/$1/run.json" ] || bash "$here/run.sh" "$out/md/$1" "$sys" "${@:2}"; }
once nn-nve-0.5fs nn nve 0.0005 "$(steps "$nve_ps" 0.0005)" 2 "$model"
once nn-nve-1fs nn nve 0.001 "$(steps "$nve_ps" 0.001)" 2 "$model"
once ranks1 nn nve 0.0005 100 1 "$model" 1
once ranks2 nn nve 0.0005 100 2 "$model" 1
once nn-nvt-1fs nn nvt 0.001 "$(steps "$nvt_ps" 0.001)" 2 "$model"
once classical-nve-0.5fs classical nve 0.0005 "$(steps "$nve_ps" 0.0005)" 2
once classical-nve-1fs classical nve 0.001 "$(steps "$nve_ps" 0.001)" 2
once classical-nvt-1fs classical nvt 0.001 "$(steps "$nvt_ps" 0.001)" 2
