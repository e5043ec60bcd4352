#!/usr/bin/env bash
# Building a case on Apache Spark (`hydrascope spark`) against importing the
# same logs on this machine, at seed scale: time, peak memory, case size,
# and whether the two analyses agree (`analyze --json` compared byte for
# byte). Spark runs in local mode here (scripts/spark-connect.sh, local[2],
# HYDRASCOPE_SPARK_MEMORY heap); on a cluster the job's time is the
# cluster's.
#
#   bash benches/spark.sh                 # seed-scale, seed 1, as Parquet, data in ./bench-data
#   SCENARIO=families-large SEED=5 bash benches/spark.sh
#
# Needs: /usr/bin/time, Java 17, `pip install 'pyspark[connect]==4.0.1'`,
# ~6 GB free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${SCENARIO:-seed-scale}
SEED=${SEED:-1}
DATA=${DATA:-bench-data}
export HYDRASCOPE_SPARK_MEMORY=${HYDRASCOPE_SPARK_MEMORY:-6g}
command -v /usr/bin/time >/dev/null || { echo "missing /usr/bin/time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet
bin=target/release/hydrascope
mkdir -p "$DATA"
rm -rf "${DATA:?}/sp-"*
started_here=0
if ! scripts/spark-connect.sh status >/dev/null 2>&1; then
    scripts/spark-connect.sh start
    started_here=1
fi
trap '[ "$started_here" = 1 ] && scripts/spark-connect.sh stop' EXIT
measure() {
    sync
    /usr/bin/time -f "%e %M" -o "$DATA/time.txt" "$@" > "$DATA/last.log"
    read -r SECS KB < "$DATA/time.txt"
    PEAK_MB=$((KB / 1024))
}
"$bin" generate --scenario "$SCENARIO" --seed "$SEED" --format parquet --out "$DATA/sp-logs" > /dev/null
logs=$(cd "$DATA/sp-logs" && pwd)
measure "$bin" spark --remote sc://localhost:15002 --logs "$logs" --out "$DATA/sp-spark.hcase" \
    --shuffle-partitions 8
echo "spark build: ${SECS} s, peak ${PEAK_MB} MiB (hydrascope and its job's Python client; Spark's JVM apart)"
grep -o "the job [0-9.]* s" "$DATA/last.log" || true
measure "$bin" import "$DATA/sp-logs" --out "$DATA/sp-local.hcase"
echo "local import: ${SECS} s, peak ${PEAK_MB} MiB"
echo "case sizes (MiB): spark $(( $(stat -c %s "$DATA/sp-spark.hcase") / 1048576 )), local $(( $(stat -c %s "$DATA/sp-local.hcase") / 1048576 ))"
measure "$bin" analyze "$DATA/sp-local.hcase" --json
cp "$DATA/last.log" "$DATA/sp-local.json"
echo "analyze local: ${SECS} s, peak ${PEAK_MB} MiB"
measure "$bin" analyze "$DATA/sp-spark.hcase" --json
cp "$DATA/last.log" "$DATA/sp-spark.json"
echo "analyze spark: ${SECS} s, peak ${PEAK_MB} MiB"
if cmp -s "$DATA/sp-local.json" "$DATA/sp-spark.json"; then
    echo "analyze --json: identical"
else
    echo "analyze --json: DIFFERENT"
    exit 1
fi
