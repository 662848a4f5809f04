#!/usr/bin/env bash
# Rebuild assets/fonts/NotoSansCJKsc-Regular-xxgk-subset.otf: Noto Sans CJK SC Regular cut down to
# the characters xxgk draws into PNG charts. Not run by CI: run it by hand after adding region names
# or chart labels with new characters (the font test in src/charts/font.rs says which are missing).
#
# Needs: apt-get install -y fonts-noto-cjk; pip install fonttools.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
out=assets/fonts/NotoSansCJKsc-Regular-xxgk-subset.otf
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
# Every character of: the region names, the metric catalog, the chart and page source (labels,
# titles), plus printable ASCII and the CJK punctuation and symbols the labels may use.
python3 - "$chars" <<'PY'
import csv, pathlib, sys
text = set()
with open("src/reference/regions/cn-admin-divisions.csv", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        text.update(row["name"])
text.update(pathlib.Path("src/reference/catalog/metrics-2021.csv").read_text(encoding="utf-8"))
for p in sorted(pathlib.Path("src/charts").rglob("*.rs")):
    text.update(p.read_text(encoding="utf-8"))
text.update(chr(c) for c in range(0x20, 0x7F))
text.update("，。、：；！？（）《》〈〉【】「」“”‘’—–·…％＋－×÷±°→←↑↓▲▼△▽●○■□◆◇★")
text = sorted(c for c in text if c.isprintable())
pathlib.Path(sys.argv[1]).write_text("".join(text), encoding="utf-8")
print(f"{len(text)} characters", file=sys.stderr)
PY
# Font number 2 of the collection is Noto Sans CJK SC. No hinting: ab_glyph ignores it. The .notdef
# outline stays, so a character missing from the subset shows as a box rather than as nothing.
pyftsubset "$src" --font-number=2 --text-file="$chars" --output-file="$out" \
  --layout-features='*' --no-hinting --notdef-outline --name-IDs='*' --name-languages='*'
ls -l "$out"
