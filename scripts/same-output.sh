#!/usr/bin/env bash
# Do two output folders hold the same data? Compares every Parquet file of A/parquet and B/parquet
# byte for byte (and the same set of files), and the CSVs of validation/ and rejected/.
#
# usage: scripts/same-output.sh A B [--mask-digests]
#
# --mask-digests: for outputs of two different xxgk builds (before and after an optimisation). Every
# Parquet footer carries digests that include a hash of xxgk's own source (`xxgk.content_sha256`,
# `xxgk.sums_sha256`, `xxgk.sums_by_group`: build.rs's XXGK_SOURCE_DIGEST, so that a new build never
# takes an old build's file for its own), so two builds' files differ there even when every value is
# the same. With the flag, each run of 64 lowercase hex digits *in the footer* (the metadata block the
# last 8 bytes point to, never the data pages) is replaced by zeros before comparing; everything
# else, the column data, the schema, the other footer keys and the file length, must be identical.
# Exit 0 when the same, 1 naming every difference.
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n 2,13p "$0" >&2; exit 2; }
exec python3 - "$@" <<'PY'
import os, re, sys

a, b = sys.argv[1], sys.argv[2]
mask = "--mask-digests" in sys.argv[3:]
HEX = re.compile(rb"[0-9a-f]{64}")

def files(root, sub, exts):
    base = os.path.join(root, sub)
    out = set()
    for d, _, names in os.walk(base):
        for n in names:
            if n.endswith(exts):
                out.add(os.path.relpath(os.path.join(d, n), root))
    return out

def content(path, parquet):
    data = open(path, "rb").read()
    if not (parquet and mask):
        return data
    if len(data) < 12 or data[-4:] != b"PAR1":
        return data
    flen = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - flen
    footer = HEX.sub(b"0" * 64, data[start:-8])
    return data[:start] + footer + data[-8:]

bad = []
checked = 0
for sub, exts, parquet in [("parquet", (".parquet",), True), ("validation", (".csv",), False),
                           ("rejected", (".csv",), False)]:
    fa, fb = files(a, sub, exts), files(b, sub, exts)
    for p in sorted(fa - fb):
        bad.append(f"only in {a}: {p}")
    for p in sorted(fb - fa):
        bad.append(f"only in {b}: {p}")
    for p in sorted(fa & fb):
        checked += 1
        if content(os.path.join(a, p), parquet) != content(os.path.join(b, p), parquet):
            bad.append(f"differs: {p}")
for line in bad:
    print(line)
print(f"{checked} files compared{' (footer digests masked)' if mask else ''}: "
      + ("same" if not bad else f"{len(bad)} differences"))
sys.exit(1 if bad else 0)
PY
