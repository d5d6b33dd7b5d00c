# Shared by the scripts in this folder: where the environment lives and how to enter it.
# Sourced, never run. Everything cached lives outside the repository so that a fresh
# clone (CI) on the same machine reuses it.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${DEEPMD_GROMACS_CACHE:-$HOME/.cache/deepmd-gromacs}
ROOTFS=$CACHE_DIR/trixie             # Debian 13 environment (only on a non-trixie host)
ROOTFS_TARBALL=$CACHE_DIR/trixie.tar.zst
BUILD_DIR=${DEEPMD_GROMACS_BUILD:-$REPO_ROOT/build}
MODELS_DIR=$CACHE_DIR/models

# Debian packages of the environment. Changing this list installs the difference in place.
DEBIAN_PACKAGES=(
  gromacs libgromacs-dev openmpi-bin libopenmpi-dev
  g++ cmake make ninja-build pkg-config git ca-certificates
  python3 python3-venv python3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  procps time
  # native engine (HDF5 models), reliability (sanitizers, fuzzing, faults, hosts), profiling
  libhdf5-dev clang libclang-rt-dev stress-ng iproute2 valgrind linux-perf
  libjemalloc2 libtcmalloc-minimal4t64 ccache
)

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

is_trixie_host() {
  [ -r /etc/os-release ] && . /etc/os-release && [ "${VERSION_CODENAME:-}" = trixie ]
}

# A hash of what defines the Debian part of the environment (the venv has its own stamp).
env_spec_hash() {
  { printf '%s\n' "${DEBIAN_PACKAGES[@]}"; \
    sed -n '/^# --- env-spec-begin/,/^# --- env-spec-end/p' "$REPO_ROOT/scripts/setup"; } \
    | sha256sum | cut -c1-16
}

# Mount points below the root file system (bind mounts of the repository, /dev, ...).
rootfs_mounts() {
  [ -d "$ROOTFS" ] || return 0
  awk -v r="$ROOTFS" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r
}

# Deletes a root file system only when nothing is mounted below it: a recursive delete
# through a bind mount would delete the repository or the host's /dev.
remove_rootfs_tree() {
  local dir=$1
  [ -e "$dir" ] || return 0
  if awk -v r="$dir" '$2 == r || index($2, r "/") == 1 {found=1} END {exit !found}' /proc/mounts; then
    die "refusing to delete $dir: something is still mounted below it (see /proc/mounts); run scripts/env --unmount"
  fi
  rm -rf --one-file-system "$dir"
}

# Where the Python virtual environment lives, as seen from inside the environment.
VENV_DIR=/opt/deepmd-venv
if is_trixie_host; then VENV_DIR=$CACHE_DIR/venv; fi
