#!/usr/bin/env bash
# Seed-scale benchmark of the workbench, headless: time to the first
# interactive frame, time until the graph layout is ready (computed on the
# first open, read from the case on the second), and the CPU cost of one
# frame (egui run + tessellation) with the whole graph in view — still,
# hovered, and panning (which rebuilds the graph mesh every frame).
#
#   bash benches/workbench.sh          # seed-scale case in ./bench-data
#
# Needs: /usr/bin/time (`time`), ~2 GB free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/seed-case.sh
FRAMES=${FRAMES:-120}
command -v /usr/bin/time >/dev/null || { echo "missing /usr/bin/time" >&2; exit 2; }
cargo build --release --quiet --example frame_bench
# Re-analysing empties the stored layout, so the first open computes it.
"$bin" analyze "$case_file" >/dev/null
echo "== first open (layout computed and stored)"
/usr/bin/time -f "peak memory: %M KiB" target/release/examples/frame_bench "$case_file" "$FRAMES"
echo "== second open (layout read from the case)"
/usr/bin/time -f "peak memory: %M KiB" target/release/examples/frame_bench "$case_file" "$FRAMES"
