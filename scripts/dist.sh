#!/usr/bin/env bash
# Release archives an analyst downloads instead of installing Rust:
#   dist/xxgk-VERSION-linux-x86_64.tar.gz, …-linux-aarch64.tar.gz, …-windows-x86_64.zip
# each with the executable, README.md, the licenses (xxgk's, and the bundled font's SIL OFL 1.1),
# plus dist/SHA256SUMS over the archives.
#
# usage: scripts/dist.sh [PLATFORM…]   (default: all three; cross builds install their tools through
#        scripts/cross.sh's packages). DIST_PROFILE=dev packages a debug build (to check the
#        packaging quickly; never for release).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
profile=${DIST_PROFILE:-release}
folder=$([[ $profile == dev ]] && echo debug || echo release)
platforms=("$@"); ((${#platforms[@]})) || platforms=(linux-x86_64 linux-aarch64 windows-x86_64)
mkdir -p dist
for platform in "${platforms[@]}"; do
  case $platform in
    linux-x86_64) target=x86_64-unknown-linux-gnu; exe=xxgk ;;
    linux-aarch64) target=aarch64-unknown-linux-gnu; exe=xxgk ;;
    windows-x86_64) target=x86_64-pc-windows-gnu; exe=xxgk.exe ;;
    *) echo "unknown platform $platform (linux-x86_64, linux-aarch64, windows-x86_64)" >&2; exit 2 ;;
  esac
  export CARGO_TARGET_DIR=${CROSS_TARGET_DIR:-/tmp/xxgk-cross}
  rustup target add "$target" >/dev/null 2>&1
  export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
  export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
  cargo build --profile "$profile" --target "$target" --bin xxgk
  name=xxgk-$version-$platform
  stage=$(mktemp -d)/$name
  mkdir -p "$stage"
  cp "$CARGO_TARGET_DIR/$target/$folder/$exe" "$stage/"
  cp README.md "$stage/README.md"
  cp assets/fonts/OFL.txt "$stage/LICENSE-font-OFL.txt"
  cat >"$stage/LICENSE.txt" <<TXT
xxgk $version is licensed under the MIT license or the Apache License 2.0, at your option
(license = "MIT OR Apache-2.0" in its Cargo.toml). The font embedded in the executable for charts
is a subset of a font under the SIL Open Font License 1.1: see LICENSE-font-OFL.txt.
TXT
  # The wine test runner's bcryptprimitives.dll stub is for tests only: real Windows has the DLL.
  if find "$stage" -iname 'bcryptprimitives.dll' | grep -q .; then
    echo "refusing to package the test-only bcryptprimitives.dll stub" >&2; exit 1
  fi
  rm -f "dist/$name".*
  if [[ $platform == windows-* ]]; then
    (cd "$(dirname "$stage")" && python3 -c 'import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk(sys.argv[2]):
        for f in sorted(files):
            z.write(os.path.join(root, f))' "$OLDPWD/dist/$name.zip" "$name")
  else
    tar -C "$(dirname "$stage")" -czf "dist/$name.tar.gz" "$name"
  fi
  rm -rf "$(dirname "$stage")"
done
(cd dist && sha256sum xxgk-*.tar.gz xxgk-*.zip 2>/dev/null > SHA256SUMS)
cat dist/SHA256SUMS
