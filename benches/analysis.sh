#!/usr/bin/env bash
# Seed-scale benchmark of `hydrascope analyze` (graph + clusters + scores),
# and of the clustering step alone against python-igraph's community_leiden
# on the same edge list.
#
#   bash benches/analysis.sh          # seed-scale case in ./bench-data
#   SCENARIO=seed-scale-evasive ANALYZE_ONLY=1 bash benches/analysis.sh
#                                     # issue 20's speed numbers: analyze only
#
# Prints the wall time, peak memory and CPU time of `hydrascope analyze`
# and its seconds per phase (`analyze --timings`).
#
# Needs: /usr/bin/time (`time`), the sqlite3 shell (`sqlite3`), python3 with
# igraph (`pip install igraph`; not with ANALYZE_ONLY=1), ~3 GB free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${SCENARIO:-seed-scale}
SEED=${SEED:-1}
DATA=${DATA:-bench-data}
ANALYZE_ONLY=${ANALYZE_ONLY:-0}
for tool in /usr/bin/time sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
if [ "$ANALYZE_ONLY" = 0 ]; then
    python3 -c "import igraph" 2>/dev/null || { echo "missing python igraph (pip install igraph)" >&2; exit 2; }
    cargo build --release --quiet --bin hydrascope --example leiden_edges
else
    cargo build --release --quiet
fi
bin=target/release/hydrascope
mkdir -p "$DATA"
case_file="$DATA/analysis-$SCENARIO-$SEED.hcase"
[ -f "$case_file" ] || "$bin" generate --scenario "$SCENARIO" --seed "$SEED" --out "$case_file" >/dev/null

sync
/usr/bin/time -f "%e %M %U %S" -o "$DATA/time.txt" "$bin" analyze --timings "$case_file" \
    > "$DATA/analyze.txt" 2> "$DATA/timings.txt"
read -r secs kb user sys < "$DATA/time.txt"
echo "hydrascope analyze ($SCENARIO, seed $SEED): $secs s wall, $((kb / 1024)) MiB peak, CPU $user s user + $sys s sys"
head -1 "$DATA/analyze.txt"
cat "$DATA/timings.txt"
[ "$ANALYZE_ONLY" = 0 ] || exit 0

nodes=$(sqlite3 "$case_file" "SELECT count(*) FROM accounts")
sqlite3 -separator $'\t' "$case_file" "SELECT a - 1, b - 1, weight FROM links" > "$DATA/edges.tsv"
target/release/examples/leiden_edges "$DATA/edges.tsv" "$nodes" "$DATA/membership.txt"
python3 benches/leiden_igraph.py "$DATA/edges.tsv" "$nodes" "$DATA/membership.txt"
