#!/usr/bin/env bash
# The other national-scale figures in README: incremental re-runs, peak memory against the number of
# years, and what the charts cost. Uses the long per-report set `scripts/bench.sh` generates (it is
# generated here if missing). Prints one line per measurement. Not run by CI.
#
# usage: scripts/bench-extra.sh [WORKDIR]      (default /tmp/xxgk-bench, shared with bench.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/xxgk-bench}
mkdir -p "$work"
cargo build --release --quiet
xxgk=$PWD/target/release/xxgk
t() { # command…  → "wall s, peak MB, user s"
  /usr/bin/time -f "%e s wall, %M KB peak, %U s user" "$@" >/dev/null 2>"$work/t.err" || { cat "$work/t.err" >&2; exit 1; }
  tail -1 "$work/t.err"
}
set_for() { # years → input folder of the long per-report set for those years
  local d="$work/in-long-per-report-$1"
  [[ -d $d ]] || "$xxgk" synth --quiet --out "$d" --years "$1" --layout long --files per-report
  echo "$d"
}
bump() { # file → its first licensing.decisions count + 1
  python3 - "$1" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p, encoding="utf-8-sig").read()
s = re.sub(r"(licensing\.decisions,)(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + 1), s, count=1)
open(p, "w", encoding="utf-8").write(s)
PY
}
national=$(set_for 2021..2030)

echo "== incremental runs (long per-report, 2021..2030, --no-charts)"
out="$work/out-incremental"
rm -rf "$out"
echo "full run, empty output folder: $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-charts)"
echo "re-run, nothing changed:       $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-charts)"
file=$(find "$national/" -name '*-2025.synthetic.csv' | sort | sed -n 1p)
cp -p "$file" "$work/changed.bak"
# One county's 2025 licensing count + 1: touches facts/reports 2025 and the rollup of 2025 and 2026.
bump "$file"
echo "re-run, one file changed:      $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-charts)"
cp -p "$work/changed.bak" "$file"
echo "re-run, changed back (stages):"
XXGK_TIMINGS=1 "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-charts 2>&1 | grep -v "merged and" | sed 's/^/  /'
echo "re-run, nothing changed:       $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-charts)"
echo "full run again (--no-cache):   $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-charts --no-cache)"

echo "== incremental runs (long per-prefecture: one file a prefecture, every year in it, --no-charts)"
pp="$work/in-long-per-prefecture-2021..2030"
[[ -d $pp ]] || "$xxgk" synth --quiet --out "$pp" --years 2021..2030 --layout long --files per-prefecture
pp_out="$work/out-incremental-pp"
rm -rf "$pp_out"
echo "full run, empty output folder: $(t "$xxgk" run "$pp" --out "$pp_out" --max-year 2030 --quiet --no-charts)"
echo "re-run, nothing changed:       $(t "$xxgk" run "$pp" --out "$pp_out" --max-year 2030 --quiet --no-charts)"
pp_file=$(find "$pp/" -name '*.synthetic.csv' | sort | sed -n 3p)
cp -p "$pp_file" "$work/changed-pp.bak"
# One county's 2025 licensing count + 1 in a file holding all ten years of its prefecture.
python3 - "$pp_file" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p, encoding="utf-8-sig").read()
m = re.search(r"(\n[^\n]*,2025,[^\n]*licensing\.decisions,)(\d+)", s)
s = s[:m.start(2)] + str(int(m.group(2)) + 1) + s[m.end(2):]
open(p, "w", encoding="utf-8").write(s)
PY
echo "re-run, one file changed:      $(t "$xxgk" run "$pp" --out "$pp_out" --max-year 2030 --quiet --no-charts)"
cp -p "$work/changed-pp.bak" "$pp_file"
echo "full run again (--no-cache):   $(t "$xxgk" run "$pp" --out "$pp_out" --max-year 2030 --quiet --no-charts --no-cache)"

echo "== peak memory against years (long per-report, --no-charts --no-cache)"
for years in 2021..2022 2021..2025 2021..2030; do
  d=$(set_for "$years")
  rm -rf "$work/out-years"
  echo "$years: $(t "$xxgk" run "$d" --out "$work/out-years" --max-year 2030 --quiet --no-charts --no-cache)"
done

echo "== charts (national rollup from the incremental run above)"
echo "run, no charts (--no-cache):   $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-cache --no-charts)"
echo "run, SVG charts (the default):  $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-cache)"
echo "run, SVG + PNG charts:          $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-cache --chart-format svg,png)"
echo "run, SVG charts (stages):"
XXGK_TIMINGS=1 "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet --no-cache 2>&1 | grep -E "rollup done|charts" | sed 's/^/  /'
for f in svg png svg,png; do
  echo "plot --format $f --no-cache: $(t "$xxgk" plot --out "$out" --quiet --format "$f" --no-cache)"
done
echo "charts drawn: $(find "$out/charts" -type f | wc -l) files, $(du -sh "$out/charts" | cut -f1)"
echo "plot after run (PNG drawn, SVG linked): $("$xxgk" run "$national" --out "$out" --max-year 2030 --quiet >/dev/null; t "$xxgk" plot --out "$out" --quiet)"
echo "re-run with charts, nothing changed: $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet)"
bump "$file"
echo "re-run with charts, one file changed: $(t "$xxgk" run "$national" --out "$out" --max-year 2030 --quiet)"
cp -p "$work/changed.bak" "$file"
"$xxgk" run "$national" --out "$out" --max-year 2030 --quiet >/dev/null
