#!/usr/bin/env bash
# PDF reading figures for docs/extract-pdf.md (release build; not run by CI):
#  1. one report PDF per `xxgk extract` call, averaged over 20 calls, for each committed PDF fixture
#     (process start included: an upper bound on the per-report time);
#  2. a folder of 3,000 distinct report files, a quarter each text, HTML, .docx and PDF
#     (scripts/bench_pdf_reports.py), read in parallel by `xxgk ingest`.
#
# usage: scripts/bench-pdf.sh [WORKDIR]      (default /tmp/xxgk-bench-pdf)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/xxgk-bench-pdf}
mkdir -p "$work"
cargo build --release --quiet
xxgk=$PWD/target/release/xxgk
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for f in tests/fixtures/pdf/*.pdf; do
  start=$(date +%s%N)
  for _ in $(seq 20); do "$xxgk" extract "$f" --out "$work/one" --quiet >/dev/null; done
  echo "$(basename "$f"): $(( ($(date +%s%N) - start) / 20000000 )) ms per report (extract, one file per call)"
done
reports="$work/reports-3000"
[[ -d $reports ]] || python3 scripts/bench_pdf_reports.py "$reports" 3000
echo "folder: $(ls "$reports" | wc -l) files ($(ls "$reports" | sed 's/.*\.//' | sort | uniq -c | xargs))"
rm -rf "$work/out"
/usr/bin/time -f "ingest of the folder: %e s wall, %U s user, %M KB peak" \
  "$xxgk" ingest "$reports" --out "$work/out" --max-year 2024 --quiet >/dev/null
python3 - "$work/out/validation/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
files = s["files"]
by = {}
for f in files:
    by.setdefault(f.get("layout"), []).append(f)
for k, v in sorted(by.items(), key=lambda kv: str(kv[0])):
    print(f"  {k}: {len(v)} files, {sum(x.get('rows_read') or 0 for x in v)} cells read")
PY
