#!/usr/bin/env bash
# Detection quality against the generator's ground truth, per scenario and
# seed (precision, recall, each group's flagged share, campaign unity and
# purity), and the time and peak memory of the analysis at seed scale.
#
#   bash benches/quality.sh            # small grid + seed-scale, data in ./bench-data
#   SEED_SCALE=0 bash benches/quality.sh   # the small grid only (about a minute)
#   FAMILIES=0 bash benches/quality.sh     # without the families scenarios
#
# The families scenarios run on their tuning seeds (1-8) only; their
# evaluation seeds (101-108) are run by hand, to judge a finished change,
# never to tune one: target/release/examples/quality --eval families-small
#
# Needs /usr/bin/time and ~4 GB of free disk for the two seed-scale cases.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-bench-data}
SEED_SCALE=${SEED_SCALE:-1}
FAMILIES=${FAMILIES:-1}
command -v /usr/bin/time >/dev/null || { echo "missing /usr/bin/time" >&2; exit 2; }
cargo build --release --quiet --example quality
mkdir -p "$DATA/quality"
target/release/examples/quality --keep "$DATA/quality" \
    tiny:4,5,6 demo:1,2,3 tiny-evasive:4,5,6,7,8 demo-evasive:1,2,3,4,5
if [ "$FAMILIES" = 1 ]; then
    # Randomised families: every group's parameters drawn per seed.
    target/release/examples/quality --keep "$DATA/quality" --tune families-small
    if [ "$SEED_SCALE" = 1 ]; then
        /usr/bin/time -f "%e s wall, %M KiB peak (generation, if any, and analysis)" \
            target/release/examples/quality --keep "$DATA/quality" families-large:1,2
    fi
fi
if [ "$SEED_SCALE" = 1 ]; then
    for scenario in seed-scale seed-scale-evasive; do
        /usr/bin/time -f "%e s wall, %M KiB peak (generation, if any, and analysis)" \
            target/release/examples/quality --keep "$DATA/quality" "$scenario:1"
    done
fi
