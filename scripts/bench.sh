#!/usr/bin/env bash
# First runs against DuckDB, and the every-body scale test. Not run by CI.
#
# usage: scripts/bench.sh [shapes|rerun|scale|all] [WORKDIR]     (default: shapes, /tmp/xxgk-bench)
#
# shapes: two synthetic input sets, written once by `xxgk synth` (release build):
#   national  every county-level unit (2,846) × 2021–2024, its government's report alone, one long
#             file per report: 11,384 files;
#   province  every county of 河南 (410000) with its government's and 30 departments' reports ×
#             2021–2024, one file per report with a `body` column: 19,468 files.
# Each is timed three times, alternating: a first `xxgk run --no-charts` into an empty output
# folder (cache and all), then DuckDB doing the plain work on the same files
# (scripts/duckdb_baseline.py: read_csv, join to the division table, COPY … PARTITION_BY (year), the
# group-by sums at four levels). Prints every run and the medians, wall and user+sys CPU time, and
# the ratios xxgk ÷ DuckDB.
#
# rerun: on the national set, a first run, then one file's 2023 licensing count + 1 and a re-run
# (three times, median), against the first run; the re-run's output is compared with a full
# `--no-cache` run's by scripts/same-output.sh.
#
# scale: the nation's every-body set for one year (2,846 × (government + 20 departments + 11
# townships) = 91,072 files): `xxgk run --no-charts` on the first 1/8, 1/4, 1/2 and all of it (by
# prefecture folder), time and peak memory against the number of files.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-shapes}
work=${2:-/tmp/xxgk-bench}
mkdir -p "$work"
# DuckDB keeps every file of a glob open at once.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release --quiet
xxgk=$PWD/target/release/xxgk
python3 -c 'import duckdb' 2>/dev/null || pip install --quiet duckdb
regions=$PWD/src/reference/regions/cn-admin-divisions.csv
echo "# $(date -u +%FT%TZ) on $(nproc) cores, $(git rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"

timed() { # log, command…  → "wall user+sys peak_MB"
  local log=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$log" "$@" >"$log.out" 2>&1 || { echo "failed: $*" >&2; tail -5 "$log.out" >&2; exit 1; }
  awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 / 1024 }' "$log"
}
median() { sort -n | sed -n 2p; }

shape() { # name, input folder
  local name=$1 input=$2 n xw xc dw dc
  n=$(find "$input" -name '*.csv' | wc -l)
  echo "## $name: $n files, $(du -sh "$input" | cut -f1)"
  echo "| run | xxgk wall (s) | xxgk user+sys (s) | xxgk peak (MB) | DuckDB wall (s) | DuckDB user+sys (s) | DuckDB peak (MB) |"
  echo "|---|---|---|---|---|---|---|"
  : >"$work/$name.x"; : >"$work/$name.d"
  for i in 1 2 3; do
    rm -rf "$work/out-xxgk" "$work/out-duckdb"; mkdir -p "$work/out-duckdb"; sync
    read -r w c m < <(timed "$work/t-x" "$xxgk" run "$input" --out "$work/out-xxgk" --quiet --no-charts)
    echo "$w $c $m" >>"$work/$name.x"
    sync
    read -r dw_ dc_ dm < <(timed "$work/t-d" python3 scripts/duckdb_baseline.py "$input" "$work/out-duckdb" long "$regions")
    echo "$dw_ $dc_ $dm" >>"$work/$name.d"
    echo "| $i | $w | $c | $m | $dw_ | $dc_ | $dm |"
  done
  xw=$(cut -d' ' -f1 "$work/$name.x" | median); xc=$(cut -d' ' -f2 "$work/$name.x" | median)
  dw=$(cut -d' ' -f1 "$work/$name.d" | median); dc=$(cut -d' ' -f2 "$work/$name.d" | median)
  echo "| median | $xw | $xc | $(cut -d' ' -f3 "$work/$name.x" | median) | $dw | $dc | $(cut -d' ' -f3 "$work/$name.d" | median) |"
  echo
  echo "$name: xxgk ÷ DuckDB, wall $(python3 -c "print(f'{$xw/$dw:.2f}')"), user+sys $(python3 -c "print(f'{$xc/$dc:.2f}')")"
  echo
}

national=$work/in-national-2021..2024
if [[ $mode == shapes || $mode == all ]]; then
  [[ -d $national ]] || "$xxgk" synth --quiet --out "$national" --years 2021..2024
  province=$work/in-410000-departments-2021..2024
  [[ -d $province ]] || "$xxgk" synth --quiet --out "$province" --years 2021..2024 --provinces 410000 \
    --bodies government,department --departments 30
  shape national "$national"
  shape province "$province"
fi

if [[ $mode == rerun || $mode == all ]]; then
  [[ -d $national ]] || "$xxgk" synth --quiet --out "$national" --years 2021..2024
  file=$(find "$national/" -name '*-2023.synthetic.csv' | sort | sed -n 1p)
  cp -p "$file" "$work/changed.bak"
  echo "## rerun: national set, one file changed ($file)"
  echo "| run | first run wall (s) | first run user+sys (s) | re-run wall (s) | re-run user+sys (s) | wall % |"
  echo "|---|---|---|---|---|---|"
  : >"$work/rerun.t"
  for i in 1 2 3; do
    cp -p "$work/changed.bak" "$file"
    rm -rf "$work/out-rerun"; sync
    read -r fw fc _ < <(timed "$work/t-f" "$xxgk" run "$national" --out "$work/out-rerun" --quiet --no-charts)
    python3 - "$file" $i <<'PY'
import re, sys
p, i = sys.argv[1], int(sys.argv[2])
s = open(p, encoding="utf-8").read()
s = re.sub(r"(licensing\.decisions,)(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + i), s, count=1)
open(p, "w", encoding="utf-8").write(s)
PY
    read -r rw rc _ < <(timed "$work/t-r" "$xxgk" run "$national" --out "$work/out-rerun" --quiet --no-charts)
    echo "$fw $rw" >>"$work/rerun.t"
    echo "| $i | $fw | $fc | $rw | $rc | $(python3 -c "print(f'{100*$rw/$fw:.1f}')") |"
  done
  rm -rf "$work/out-full"
  "$xxgk" run "$national" --out "$work/out-full" --quiet --no-charts --no-cache >/dev/null
  scripts/same-output.sh "$work/out-rerun" "$work/out-full" | tail -1
  cp -p "$work/changed.bak" "$file"
  echo
fi

if [[ $mode == scale || $mode == all ]]; then
  every=$work/in-every-body-2024
  [[ -d $every ]] || "$xxgk" synth --quiet --out "$every" --years 2024 \
    --bodies government,department,township --departments 20 --townships 11
  mapfile -t groups < <(find "$every" -mindepth 1 -maxdepth 1 -type d | sort)
  echo "## scale: the nation's every-body set, 2024 ($(find "$every" -name '*.csv' | wc -l) files, $(du -sh "$every" | cut -f1))"
  echo "| prefecture folders | files | wall (s) | user+sys (s) | peak (MB) |"
  echo "|---|---|---|---|---|"
  for part in 8 4 2 1; do
    k=$(( (${#groups[@]} + part - 1) / part ))
    subset=("${groups[@]:0:$k}")
    n=$(find "${subset[@]}" -name '*.csv' | wc -l)
    rm -rf "$work/out-scale"; sync
    read -r w c m < <(timed "$work/t-s" "$xxgk" run "${subset[@]}" --out "$work/out-scale" --quiet --no-charts)
    echo "| $k of ${#groups[@]} | $n | $w | $c | $m |"
  done
fi
