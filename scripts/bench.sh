#!/usr/bin/env bash
# National-scale benchmark: generate the synthetic national set (2,846 county-level units × 10 years)
# in four shapes, then time `xxgk run` (full validation, no charts) against DuckDB doing the plain
# load + Parquet + rollup sums on the same files. Prints a markdown table. Not run by CI.
#
# usage: scripts/bench.sh [WORKDIR]      (default /tmp/xxgk-bench; needs ~3 GB of disk)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/xxgk-bench}
mkdir -p "$work"
# DuckDB keeps every file of a glob open at once: 28,460 files need a higher limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release --quiet
xxgk=$PWD/target/release/xxgk
python3 -c 'import duckdb' 2>/dev/null || pip install --quiet duckdb
regions=$PWD/src/reference/regions/cn-admin-divisions.csv
no_charts=$("$xxgk" run --help | grep -q -- '--no-charts' && echo --no-charts || true)

measure() { # label, command…  → "seconds peak_MB"
  local log="$work/time-$1.txt"; shift
  /usr/bin/time -v "$@" >"$log.out" 2>"$log" || { echo "failed: $*" >&2; tail -5 "$log" >&2; exit 1; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk -F': ' '{print $2}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep 'Maximum resident set size' "$log" | awk -F': ' '{printf "%d", $2/1024}')
  echo "$wall $rss"
}

echo "| input | files | xxgk run (s) | xxgk peak (MB) | DuckDB (s) | DuckDB peak (MB) | xxgk ÷ DuckDB |"
echo "|---|---|---|---|---|---|---|"
for layout in long wide; do
  for files in per-report per-prefecture; do
    set_dir="$work/in-$layout-$files"
    if [[ ! -d $set_dir ]]; then
      "$xxgk" synth --quiet --out "$set_dir" --years 2021..2030 --layout "$layout" --files "$files"
    fi
    n=$(find "$set_dir" -name '*.csv' | wc -l)
    rm -rf "$work/out-xxgk" "$work/out-duckdb"; mkdir -p "$work/out-duckdb"
    read -r xs xm < <(measure "xxgk-$layout-$files" "$xxgk" run "$set_dir" --out "$work/out-xxgk" --max-year 2030 --quiet $no_charts)
    read -r ds dm < <(measure "duckdb-$layout-$files" python3 scripts/duckdb_baseline.py "$set_dir" "$work/out-duckdb" "$layout" "$regions")
    ratio=$(python3 -c "print(f'{$xs/$ds:.2f}')")
    echo "| $layout, $files | $n | $xs | $xm | $ds | $dm | $ratio |"
  done
done
