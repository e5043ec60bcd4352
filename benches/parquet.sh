#!/usr/bin/env bash
# Seed-scale benchmark of the Parquet import against the JSON Lines import
# of the same data, with DuckDB's read_parquet and read_json loading the
# same files into a table as the yardstick, all in one run. Prints a
# Markdown table (paste into docs/benchmarks.md) and writes $DATA/parquet.md.
#
#   bash benches/parquet.sh              # seed-scale, seed 1, data in ./bench-data
#   SCENARIO=demo bash benches/parquet.sh
#
# Needs: /usr/bin/time (Debian package `time`), Python 3 with DuckDB
# (`pip install duckdb`), ~12 GB free disk for seed-scale.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${SCENARIO:-seed-scale}
SEED=${SEED:-1}
DATA=${DATA:-bench-data}
command -v /usr/bin/time >/dev/null || { echo "missing /usr/bin/time (apt-get install time)" >&2; exit 2; }
python3 -c "import duckdb" 2>/dev/null || { echo "missing DuckDB for Python (pip install duckdb)" >&2; exit 2; }
cargo build --release --quiet
bin=target/release/hydrascope
mkdir -p "$DATA"
rm -rf "${DATA:?}/pq-jsonl" "${DATA:?}/pq-parquet" "$DATA"/pq-*.hcase "$DATA"/pq-*.duckdb

measure() {
    sync
    /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$@" > "$DATA/last.log"
    read -r SECS KB < "$DATA/time.txt"
    PEAK_MB=$((KB / 1024))
}
rate() { awk -v n="$exchanges" -v s="$SECS" 'BEGIN{printf "%.0f", n/s}'; }
mib() { echo $(( $(du -sb "$1" | cut -f1) / 1048576 )); }

rows=()
measure "$bin" generate --scenario "$SCENARIO" --seed "$SEED" --out "$DATA/pq-jsonl"
exchanges=$(grep -o '[0-9]* exchanges' "$DATA/last.log" | head -1 | cut -d' ' -f1)
rows+=("| generate $SCENARIO, JSONL folder ($(mib "$DATA/pq-jsonl") MiB) | $SECS s | $PEAK_MB MiB | |")
measure "$bin" generate --scenario "$SCENARIO" --seed "$SEED" --out "$DATA/pq-parquet" --format parquet
rows+=("| generate $SCENARIO, Parquet folder ($(mib "$DATA/pq-parquet") MiB) | $SECS s | $PEAK_MB MiB | |")

measure "$bin" import "$DATA/pq-jsonl" --out "$DATA/pq-jsonl.hcase"
rows+=("| hydrascope import, JSONL (case $(mib "$DATA/pq-jsonl.hcase") MiB) | $SECS s | $PEAK_MB MiB | $(rate) exchanges/s |")
measure "$bin" import "$DATA/pq-parquet" --out "$DATA/pq-parquet.hcase"
rows+=("| **hydrascope import, Parquet** (case $(mib "$DATA/pq-parquet.hcase") MiB) | **$SECS s** | $PEAK_MB MiB | **$(rate) exchanges/s** |")

measure python3 benches/duckdb_load.py "$DATA/pq-json.duckdb" "read_json('$DATA/pq-jsonl/exchanges.jsonl')"
rows+=("| DuckDB read_json of exchanges.jsonl into a table ($(mib "$DATA/pq-json.duckdb") MiB) | $SECS s | $PEAK_MB MiB | $(rate) exchanges/s |")
measure python3 benches/duckdb_load.py "$DATA/pq-parquet.duckdb" "read_parquet('$DATA/pq-parquet/exchanges/*.parquet')"
rows+=("| DuckDB read_parquet of exchanges/ into a table ($(mib "$DATA/pq-parquet.duckdb") MiB) | $SECS s | $PEAK_MB MiB | $(rate) exchanges/s |")

{
    echo "| step | wall time | peak memory | rate |"
    echo "|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} | tee "$DATA/parquet.md"
