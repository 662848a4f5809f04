#!/bin/sh
# The accuracy table of docs/extract.md: form × files × cells exact / wrong / refused, over the real
# reports in tests/fixtures/real/ and the sample and hand-made fixtures in tests/fixtures/extract/.
# The table is computed by tests/extract_real.rs (accuracy_over_every_fixture), which also fails if
# any cell is wrong.
set -eu
cd "$(dirname "$0")/.."
cargo test --quiet --test extract_real accuracy_over_every_fixture -- --nocapture 2>/dev/null | grep '^|'
