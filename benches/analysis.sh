#!/usr/bin/env bash
# Seed-scale benchmark of `hydrascope analyze` (graph + clusters + scores),
# and of the clustering step alone against python-igraph's community_leiden
# on the same edge list.
#
#   bash benches/analysis.sh          # seed-scale case in ./bench-data
#
# Needs: /usr/bin/time (`time`), the sqlite3 shell (`sqlite3`), python3 with
# igraph (`pip install igraph`), ~3 GB free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${SCENARIO:-seed-scale}
SEED=${SEED:-1}
DATA=${DATA:-bench-data}
for tool in /usr/bin/time sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
python3 -c "import igraph" 2>/dev/null || { echo "missing python igraph (pip install igraph)" >&2; exit 2; }
cargo build --release --quiet --example leiden_edges
bin=target/release/hydrascope
mkdir -p "$DATA"
case_file="$DATA/analysis-$SCENARIO-$SEED.hcase"
[ -f "$case_file" ] || "$bin" generate --scenario "$SCENARIO" --seed "$SEED" --out "$case_file" >/dev/null

/usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$bin" analyze "$case_file" > "$DATA/analyze.txt"
read -r secs kb < "$DATA/time.txt"
echo "hydrascope analyze ($SCENARIO, seed $SEED): $secs s wall, $((kb / 1024)) MiB peak"
head -1 "$DATA/analyze.txt"

nodes=$(sqlite3 "$case_file" "SELECT count(*) FROM accounts")
sqlite3 -separator $'\t' "$case_file" "SELECT a - 1, b - 1, weight FROM links" > "$DATA/edges.tsv"
target/release/examples/leiden_edges "$DATA/edges.tsv" "$nodes" "$DATA/membership.txt"
python3 benches/leiden_igraph.py "$DATA/edges.tsv" "$nodes" "$DATA/membership.txt"
