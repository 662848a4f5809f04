#!/usr/bin/env bash
# Cargo runner for x86_64-pc-windows-gnu on Linux (CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER): runs a
# Windows executable under Debian's wine64, with the test-only bcryptprimitives.dll stub beside it
# (see bcryptprimitives.c for why). Each cargo target folder gets its own wine prefix, made once.
set -euo pipefail
exe=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
dir=$(dirname "$exe")
stub=$dir/bcryptprimitives.dll
if [[ ! -f $stub || $here/bcryptprimitives.c -nt $stub ]]; then
  x86_64-w64-mingw32-gcc -O2 -shared -o "$stub.tmp" "$here/bcryptprimitives.c" "$here/bcryptprimitives.def" -ladvapi32
  mv "$stub.tmp" "$stub"
fi
# The test binary starts the xxgk executable from target/…/debug/, one folder up from deps/.
for d in "$dir" "$dir/.."; do
  [[ -f $d/xxgk.exe && ! -f $d/bcryptprimitives.dll ]] && cp "$stub" "$d/"
done
export WINEPREFIX=${WINEPREFIX:-${CARGO_TARGET_DIR:-/tmp}/wine-prefix}
export WINEDEBUG=${WINEDEBUG:--all}
# No dialogs, no Mono/Gecko installers: a test prefix needs neither.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
wine=/usr/lib/wine/wine64
[[ -x $wine ]] || wine=$(command -v wine64 || command -v wine)
exec "$wine" "$exe" "$@"
