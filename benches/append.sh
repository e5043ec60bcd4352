#!/usr/bin/env bash
# Seed-scale benchmark of appending one day of logs to a case
# (`hydrascope import DAY --into CASE`) against importing that day alone
# into a new case and importing everything at once. The seed-scale JSONL
# folder is split at the start of its last day: every account, every event
# and the earlier exchanges form the case; the last day's exchanges form
# the day folder (no accounts file: an append needs none). The same day is
# also appended to a case of only the week before it (every account, half
# the exchanges): an append that costs in proportion to the day takes about
# as long for both.
#
#   bash benches/append.sh             # seed-scale, seed 1, data in ./bench-data
#   SCENARIO=demo bash benches/append.sh
#
# Needs: /usr/bin/time (Debian package `time`), Python 3, ~10 GB free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${SCENARIO:-seed-scale}
SEED=${SEED:-1}
DATA=${DATA:-bench-data}
command -v /usr/bin/time >/dev/null || { echo "missing /usr/bin/time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet
bin=target/release/hydrascope
mkdir -p "$DATA"
rm -rf "${DATA:?}/ap-"*
measure() {
    sync
    /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$@" > "$DATA/last.log"
    read -r SECS KB < "$DATA/time.txt"
    PEAK_MB=$((KB / 1024))
}
"$bin" generate --scenario "$SCENARIO" --seed "$SEED" --out "$DATA/ap-all" > /dev/null
mkdir -p "$DATA/ap-rest" "$DATA/ap-day" "$DATA/ap-week"
cp "$DATA/ap-all/accounts.jsonl" "$DATA/ap-all/events.jsonl" "$DATA/ap-all/indicators.jsonl" "$DATA/ap-rest/"
cp "$DATA/ap-all/accounts.jsonl" "$DATA/ap-week/"
python3 - "$DATA" <<'PY'
import sys
data = sys.argv[1]
key = b'"ts":"'
last = b""
with open(f"{data}/ap-all/exchanges.jsonl", "rb") as f:
    for line in f:
        i = line.find(key) + len(key)
        last = max(last, line[i:i + 10])
import datetime
week_from = (datetime.date.fromisoformat(last.decode()) - datetime.timedelta(days=7)).isoformat().encode()
with open(f"{data}/ap-all/exchanges.jsonl", "rb") as f, \
        open(f"{data}/ap-rest/exchanges.jsonl", "wb") as rest, \
        open(f"{data}/ap-week/exchanges.jsonl", "wb") as week, \
        open(f"{data}/ap-day/exchanges.jsonl", "wb") as day:
    for line in f:
        i = line.find(key) + len(key)
        d = line[i:i + 10]
        if d == last:
            day.write(line)
        else:
            rest.write(line)
            if d >= week_from:
                week.write(line)
print(last.decode())
PY
day_rows=$(wc -l < "$DATA/ap-day/exchanges.jsonl")
rows=()
measure "$bin" import "$DATA/ap-rest" --out "$DATA/ap-case.hcase"
case_rows=$(grep -o '[0-9]* exchanges' "$DATA/last.log" | head -1 | cut -d' ' -f1)
rows+=("| import every day but the last ($case_rows exchanges) | $SECS s | $PEAK_MB MiB |")
cp "$DATA/ap-case.hcase" "$DATA/ap-copy.hcase"
measure "$bin" import "$DATA/ap-day" --into "$DATA/ap-case.hcase"
rows+=("| **append the last day ($day_rows exchanges) --into that case** | **$SECS s** | $PEAK_MB MiB |")
measure "$bin" import "$DATA/ap-week" --out "$DATA/ap-week.hcase"
week_rows=$(grep -o '[0-9]* exchanges' "$DATA/last.log" | head -1 | cut -d' ' -f1)
rows+=("| import the week before the last day ($week_rows exchanges) | $SECS s | $PEAK_MB MiB |")
measure "$bin" import "$DATA/ap-day" --into "$DATA/ap-week.hcase"
rows+=("| **append the same day --into the week's case** | **$SECS s** | $PEAK_MB MiB |")
mkdir -p "$DATA/ap-day-alone"
cp "$DATA/ap-all/accounts.jsonl" "$DATA/ap-day/exchanges.jsonl" "$DATA/ap-day-alone/"
measure "$bin" import "$DATA/ap-day-alone" --out "$DATA/ap-day.hcase"
rows+=("| import the last day alone into a new case (every account) | $SECS s | $PEAK_MB MiB |")
measure sqlite3 "$DATA/ap-copy.hcase" "SELECT count(request_id) FROM exchanges"
rows+=("| sqlite3: read every request id of the case (what an append must know) | $SECS s | $PEAK_MB MiB |")
measure "$bin" import "$DATA/ap-all" --out "$DATA/ap-whole.hcase"
rows+=("| import everything at once | $SECS s | $PEAK_MB MiB |")
{
    echo "| step | wall time | peak memory |"
    echo "|---|---|---|"
    printf '%s\n' "${rows[@]}"
} | tee "$DATA/append.md"
