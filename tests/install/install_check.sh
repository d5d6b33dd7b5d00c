#!/usr/bin/env bash
# The relocatable install, end to end: `cmake --install` into a temporary prefix, the prefix
# moved elsewhere, then, with the build folder hidden (an empty tmpfs over it in a private
# mount namespace, where unshare is allowed), the installed tool and plugin must work:
#   - no RPATH/RUNPATH into the build or source tree, every dependency resolved (ldd);
#   - `plugin-path` names the installed plugin (also when run by name from PATH elsewhere);
#   - `check-model` loads a PyTorch model (needs the MPI stand-in found next to the tool);
#   - a 2-rank `eval`, and gmx_mpi with PLUMED_KERNEL = the installed plugin for a few steps;
#     the NN energy of step 0 in GROMACS equals the eval's (single vs double precision: 1e-5).
# Usage: install_check.sh BUILD_DIR SOURCE_DIR CMAKE MPIEXEC
set -euo pipefail
mode=install
if [ "${1:-}" = --run ]; then mode=run; shift; fi   # phase 2, re-executed below
build=$(realpath "$1") source=$(realpath "$2") cmake=$3 mpiexec=$4
model=${DEEPMD_GROMACS_MODELS:?run through scripts/env}/se_e2_a-tiny.pth
[ -f "$model" ] || { echo "missing $model: run scripts/setup (scripts/make-models)"; exit 1; }
self=$(realpath "${BASH_SOURCE[0]}")

fail() { echo "FAIL: $*" >&2; exit 1; }

# Phase 2: everything from the moved prefix only.
run_installed() {
  local prefix=$1 work=$2
  export PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vx "$build/bin" | paste -sd:)
  local dg=$prefix/bin/deepmd-gromacs plugin=$prefix/lib/libdeepmd_gromacs_plumed.so
  [ ! -e "$build/CMakeCache.txt" ] && echo "build folder hidden: $build is empty here" \
    || echo "NOTE: build folder not hidden (no private mount namespace here): a fallback into it would go unnoticed"

  [ "$("$dg" plugin-path)" = "$(realpath "$plugin")" ] || fail "plugin-path: $("$dg" plugin-path) != $plugin"
  mkdir -p "$work/elsewhere/bin" && ln -sf "$dg" "$work/elsewhere/bin/deepmd-gromacs"
  (cd "$work/elsewhere" && [ "$(PATH=bin:$PATH deepmd-gromacs plugin-path)" = "$(realpath "$plugin")" ]) \
    || fail "plugin-path through a relative PATH entry and a symlink"
  echo "plugin-path: $("$dg" plugin-path)"

  cd "$work"
  (cd elsewhere && PATH=bin:$PATH deepmd-gromacs check-model "$model" --atoms 24 --evals 1) > check.log 2>&1 \
    || { cat check.log; fail "check-model"; }
  grep -q '^supported: *yes' check.log || { cat check.log; fail "check-model did not load the model"; }
  echo "check-model: $(grep '^supported' check.log)"

  GMX=gmx DEEPMD_GROMACS=$dg "$source/examples/systems/water.sh" water 1.6 > water.log 2>&1 \
    || { cat water.log; fail "examples/systems/water.sh with the installed tool"; }
  cd water
  "$mpiexec" -n 2 --oversubscribe "$dg" eval --model "$model" --structure conf.gro --output eval.json \
    > eval.log 2>&1 || { cat eval.log; fail "2-rank eval"; }
  "$dg" types -s nn.tpr -o types.dat > types.log 2>&1 || { cat types.log; fail "types"; }
  printf 'model = %s\ntypes = types.dat\nenergy_interval = 1\n' "$model" > deepmd.dat
  PLUMED_KERNEL=$("$dg" plugin-path) "$mpiexec" -n 2 --oversubscribe gmx_mpi -quiet mdrun -s nn.tpr \
    -deffnm md -plumed deepmd.dat -nsteps 4 -ntomp 1 > mdrun.log 2>&1 \
    || { cat mdrun.log; tail -20 deepmd-gromacs.log 2>/dev/null; fail "gmx_mpi with the installed plugin"; }
  python3 - <<'PY' || fail "energies"
import json
rows = [l.split() for l in open("deepmd-energy.xvg") if l.strip() and l[0] not in "#@"]
assert len(rows) == 5, f"{len(rows)} energy lines in deepmd-energy.xvg, expected steps 0..4"
e_md = float(rows[0][1]); e_eval = json.load(open("eval.json"))["energy"]
rel = abs(e_md - e_eval) / abs(e_eval)
assert rel < 1e-5, f"step-0 NN energy {e_md} (gmx_mpi + installed plugin) vs eval {e_eval}: {rel:.2g}"
print(f"gmx_mpi + installed plugin, 2 ranks, 4 steps: step-0 NN energy {e_md:.6f} kJ/mol, "
      f"eval at 2 ranks {e_eval:.6f} (relative {rel:.1g})")
PY
}

if [ $mode = run ]; then
  run_installed "$5" "$6"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dgmx-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$cmake" --install "$build" --prefix "$work/stage" > "$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }
mv "$work/stage" "$work/moved"
prefix=$work/moved
for f in bin/deepmd-gromacs lib/libdeepmd_gromacs_plumed.so lib/deepmd-stub/libmpi.so.12 \
         share/doc/deepmd-gromacs/README.md share/doc/deepmd-gromacs/docs/plugin.md; do
  [ -e "$prefix/$f" ] || fail "the install lacks $f"
done
for f in "$prefix"/bin/* "$prefix"/lib/*.so* "$prefix"/lib/deepmd-stub/*; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  rpath=$(readelf -d "$f" | grep -E 'R(UN)?PATH' || true)
  case "$rpath" in *"$build"*|*"$source"*) fail "$f has an RPATH into the build or source tree: $rpath";; esac
  deps=$(ldd "$f")
  if grep -q 'not found' <<<"$deps"; then fail "$f: unresolved dependencies: $(grep 'not found' <<<"$deps")"; fi
  if grep -qF "$build" <<<"$deps"; then fail "$f resolves a library in the build tree: $deps"; fi
  echo "$(basename "$f"): ${rpath:-no RPATH}, every dependency outside the build tree"
done

# Hide the build folder where a private mount namespace is allowed (root, as in scripts/env):
# an empty tmpfs over it, in a namespace whose mounts do not propagate back.
hide='mnt=$(findmnt -n -o TARGET -T "$1") && mount --make-rprivate "$mnt" && mount -t tmpfs none "$1"'
if unshare -m --propagation unchanged bash -c "$hide" _ "$build" 2>/dev/null; then
  unshare -m --propagation unchanged bash -c "$hide"' && exec "$2" --run "${@:3}"' _ "$build" "$self" \
    "$build" "$source" "$cmake" "$mpiexec" "$prefix" "$work"
else
  run_installed "$prefix" "$work"
fi
echo "install test passed"
