#!/usr/bin/env bash
# Starts, stops or reports a Spark Connect server on this machine (Apache
# Spark in local mode, from PyPI's pyspark), for `hydrascope spark` and its
# tests (tests/spark.rs). Needs Java 17 (Debian: openjdk-17-jre-headless)
# and `pip install 'pyspark[connect]==4.0.1'`.
#
#   scripts/spark-connect.sh start [PORT]    # default 15002; waits until it listens
#   scripts/spark-connect.sh stop [PORT]
#   scripts/spark-connect.sh status [PORT]
#
# HYDRASCOPE_SPARK_MEMORY sets the JVM heap of local mode (default 2g;
# seed scale wants 6g).
#
# Then: hydrascope spark --remote sc://localhost:PORT --logs DIR --out CASE
set -euo pipefail
action=${1:-status}
port=${2:-15002}
python=${HYDRASCOPE_PYTHON:-python3}
state="${TMPDIR:-/tmp}/hydrascope-spark-connect-$port"
pidfile="$state/pid"

listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

running() {
    [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

case "$action" in
start)
    if running && listening; then
        echo "Spark Connect already listens on port $port (pid $(cat "$pidfile"))"
        exit 0
    fi
    command -v java >/dev/null 2>&1 || { echo "no java: install openjdk-17-jre-headless" >&2; exit 1; }
    spark_home=$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))') || {
        echo "no pyspark for $python: pip install 'pyspark[connect]==4.0.1'" >&2
        exit 1
    }
    mkdir -p "$state"
    # In its own folder: Spark writes spark-warehouse/ and logs where it runs.
    (
        cd "$state"
        SPARK_HOME="$spark_home" nohup "$spark_home/bin/spark-submit" \
            --master 'local[2]' \
            --conf "spark.driver.memory=${HYDRASCOPE_SPARK_MEMORY:-2g}" \
            --conf "spark.connect.grpc.binding.port=$port" \
            --conf spark.ui.enabled=false \
            --class org.apache.spark.sql.connect.service.SparkConnectServer \
            --name hydrascope-spark-connect spark-internal >"$state/server.log" 2>&1 &
        echo $! >"$pidfile"
    )
    for _ in $(seq 1 180); do
        if listening; then
            echo "Spark Connect listens on sc://localhost:$port (pid $(cat "$pidfile"); log $state/server.log)"
            exit 0
        fi
        if ! running; then
            echo "Spark Connect stopped while starting; its log:" >&2
            tail -n 20 "$state/server.log" >&2
            exit 1
        fi
        sleep 1
    done
    echo "Spark Connect did not listen on port $port within 180 s; see $state/server.log" >&2
    exit 1
    ;;
stop)
    if running; then
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        kill -9 "$pid" 2>/dev/null || true
        echo "Spark Connect on port $port stopped"
    else
        echo "no Spark Connect of this script on port $port"
    fi
    rm -f "$pidfile"
    ;;
status)
    if running && listening; then
        echo "listening on sc://localhost:$port (pid $(cat "$pidfile"))"
    else
        echo "not running on port $port"
        exit 1
    fi
    ;;
*)
    echo "usage: $0 start|stop|status [PORT]" >&2
    exit 2
    ;;
esac
