#!/usr/bin/env bash
# Seed-scale benchmark of generation and import, with sqlite3's own CSV
# .import of the same exchanges as the yardstick. Results go to stdout as a
# Markdown table (paste into docs/benchmarks.md) and to $DATA/results.md.
#
#   bash benches/import.sh            # seed-scale, seed 1, data in ./bench-data
#   SCENARIO=demo bash benches/import.sh
#
# Needs: /usr/bin/time (Debian package `time`), the sqlite3 shell (`sqlite3`),
# ~15 GB free disk for seed-scale (JSONL + CSV folders and three databases).
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${SCENARIO:-seed-scale}
SEED=${SEED:-1}
DATA=${DATA:-bench-data}
for tool in /usr/bin/time sqlite3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install time sqlite3)" >&2; exit 2; }
done
cargo build --release --quiet
bin=target/release/hydrascope
mkdir -p "$DATA"
rm -rf "${DATA:?}/jsonl" "${DATA:?}/csv" "$DATA"/*.hcase "$DATA"/*.hcase.* "$DATA/sqlite-import.db"

# Runs a command under /usr/bin/time; sets SECS and PEAK_MB.
measure() {
    # Let the previous step's writes reach the disk first, so they do not
    # compete with this one.
    sync
    /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$@" > "$DATA/last.log"
    read -r SECS KB < "$DATA/time.txt"
    PEAK_MB=$((KB / 1024))
}

rows=()
measure "$bin" generate --scenario "$SCENARIO" --seed "$SEED" --out "$DATA/jsonl"
exchanges=$(grep -o '[0-9]* exchanges' "$DATA/last.log" | head -1 | cut -d' ' -f1)
jsonl_bytes=$(du -cb "$DATA"/jsonl/*.jsonl | tail -1 | cut -f1)
rows+=("| generate $SCENARIO (JSONL folder, $((jsonl_bytes / 1048576)) MiB) | $SECS s | $PEAK_MB MiB | $(awk -v n="$exchanges" -v s="$SECS" 'BEGIN{printf "%.0f", n/s}') exchanges/s |")

measure "$bin" generate --scenario "$SCENARIO" --seed "$SEED" --out "$DATA/csv" --format csv
rows+=("| generate $SCENARIO (CSV folder) | $SECS s | $PEAK_MB MiB | |")

measure "$bin" import "$DATA/jsonl" --out "$DATA/jsonl.hcase"
case_bytes=$(stat -c %s "$DATA/jsonl.hcase")
rows+=("| **hydrascope import, JSONL** | $SECS s | $PEAK_MB MiB | **$(awk -v n="$exchanges" -v s="$SECS" 'BEGIN{printf "%.0f", n/s}') exchanges/s** |")

measure "$bin" import "$DATA/csv" --out "$DATA/csv.hcase"
rows+=("| hydrascope import, CSV | $SECS s | $PEAK_MB MiB | $(awk -v n="$exchanges" -v s="$SECS" 'BEGIN{printf "%.0f", n/s}') exchanges/s |")

# sqlite3's own .import: raw text into one untyped table, no validation,
# no dictionaries, no rollups; bulk pragmas as hydrascope uses.
cat > "$DATA/import.sql" <<SQL
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
.import --csv $DATA/csv/exchanges.csv exchanges
SELECT count(*) FROM exchanges;
SQL
measure sqlite3 "$DATA/sqlite-import.db" ".read $DATA/import.sql"
sqlite_bytes=$(stat -c %s "$DATA/sqlite-import.db")
rows+=("| sqlite3 \`.import\` of exchanges.csv (text only) | $SECS s | $PEAK_MB MiB | $(awk -v n="$exchanges" -v s="$SECS" 'BEGIN{printf "%.0f", n/s}') exchanges/s |")

measure "$bin" info "$DATA/jsonl.hcase"
rows+=("| open case + read summary (\`hydrascope info\`) | $SECS s | $PEAK_MB MiB | |")

{
    echo "Scenario $SCENARIO, seed $SEED: $exchanges exchanges; $(nproc) cores; $(date -u +%Y-%m-%d)."
    echo
    echo "| step | wall time | peak memory | rate |"
    echo "|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Case file: $((case_bytes / 1048576)) MiB ($(awk -v b="$case_bytes" -v n="$exchanges" 'BEGIN{printf "%.1f", b/n}') bytes per exchange, rollups included);"
    echo "sqlite3's text-only table of the same exchanges: $((sqlite_bytes / 1048576)) MiB."
} | tee "$DATA/results.md"
