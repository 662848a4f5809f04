#!/usr/bin/env bash
# Build and test xxgk for one other target on this Linux (Debian) machine, installing what it needs:
#
#   scripts/cross.sh x86_64-pc-windows-gnu       mingw-w64 linker, tests under wine64
#   scripts/cross.sh aarch64-unknown-linux-gnu   aarch64 gcc linker, tests under qemu-user
#   scripts/cross.sh loongarch64-unknown-linux-gnu   (see docs/platforms.md: what is possible here)
#
# Extra arguments go to `cargo test` (e.g. `--test hostile_faults`, or `--no-run` to build only).
# CROSS_TARGET_DIR (default /tmp/xxgk-cross) keeps the cross builds apart from target/.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/cross.sh TARGET [cargo test args]}; shift
export CARGO_TARGET_DIR=${CROSS_TARGET_DIR:-/tmp/xxgk-cross}
apt_install() { # packages… (Debian; skipped when all are there)
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 1200 apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
}
timeout 600 rustup target add "$target" >/dev/null 2>&1 || {
  echo "rustup has no standard library for $target here (see docs/platforms.md)" >&2; exit 3; }
case $target in
  x86_64-pc-windows-gnu)
    apt_install gcc-mingw-w64-x86-64 wine64
    export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
    export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$PWD/scripts/windows/runner.sh
    ;;
  aarch64-unknown-linux-gnu)
    apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
    # The end-to-end tests start the xxgk binary themselves: without a binfmt_misc entry the kernel
    # cannot run an aarch64 executable that an emulated test spawns (the tests fail with exit 127).
    # Register qemu for aarch64 ELF files when this machine allows it (root, or a container that may
    # mount binfmt_misc); the dynamic loader comes from QEMU_LD_PREFIX.
    export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
    if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
      [[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
      cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register 2>/dev/null \
        || echo "could not register qemu-aarch64 with binfmt_misc: tests that start xxgk will fail" >&2
    fi
    ;;
  loongarch64-unknown-linux-gnu)
    echo "no LoongArch cross gcc in Debian 12 to link with (see docs/platforms.md)" >&2; exit 3 ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
start=$(date +%s)
cargo build --target "$target" --bin xxgk
cargo test --target "$target" "$@"
echo "$target: built and tested in $(( $(date +%s) - start )) s"
