#!/usr/bin/env bash
# Seed-scale benchmark of case work (tags, a large merge, undo/redo, the
# workbench's reload after an edit, a re-analysis carrying it all over) and
# of `hydrascope tag` as a command. Runs on a copy of the seed-scale case.
#
#   bash benches/casework.sh
#
# Needs: ~3 GB free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/seed-case.sh
cargo build --release --quiet --example casework_bench
copy="$DATA/casework-bench.hcase"
cp "$case_file" "$copy"
trap 'rm -f "$copy" "$copy-wal" "$copy-shm"' EXIT
# Analysing the copy also brings it to the current format.
cluster=$("$bin" analyze "$copy" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clusters"][0]["id"])')
echo "== hydrascope tag (a whole process: open, one action, close)"
for i in 1 2 3; do
    /usr/bin/time -f "hydrascope tag: %e s, peak memory %M KiB" \
        "$bin" tag "$copy" --cluster "$cluster" --label "bench $i" --analyst bench >/dev/null
done
/usr/bin/time -f "hydrascope tags --json: %e s, peak memory %M KiB" "$bin" tags "$copy" --json >/dev/null
echo "== library"
target/release/examples/casework_bench "$copy"
