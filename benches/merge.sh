#!/usr/bin/env bash
# Merge and report at scale (issue 15): a merge of 20,000 incoming tags, each
# conflicting with a tag on its cluster here, while another analyst tags the
# receiving case in a loop (how long the merge holds the write lock shows as
# the slowest of those tags), then a briefing report on a case holding
# 2,500 merged tags.
#
#   bash benches/merge.sh [SCENARIO]     # default: demo
#   HYDRASCOPE_BIN=path/to/hydrascope bash benches/merge.sh
#
# Needs: sqlite3 (to write the many tags straight into the other case).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-demo}"
# HYDRASCOPE_BIN runs another build's binary (a shared target folder).
if [ -z "${HYDRASCOPE_BIN:-}" ]; then
    cargo build --release --quiet
    bin="${CARGO_TARGET_DIR:-target}/release/hydrascope"
else
    bin="$HYDRASCOPE_BIN"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" generate --scenario "$scenario" --out "$work/base.hcase" --seed 1 >/dev/null
"$bin" analyze "$work/base.hcase" >/dev/null

# ours: one tag per cluster; theirs: N tags spread over the clusters.
make_pair() {
    local n=$1
    cp "$work/base.hcase" "$work/ours-$n.hcase"
    cp "$work/base.hcase" "$work/theirs-$n.hcase"
    sqlite3 "$work/ours-$n.hcase" "INSERT INTO tags (cluster, label, capability, status, confidence, actor, notes, analyst, created_at, updated_at, updated_by) SELECT id, 'ours ' || id, '', 'open', 0.5, '', '', 'alice', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'alice' FROM clusters;"
    sqlite3 "$work/theirs-$n.hcase" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n), c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS total FROM clusters) INSERT INTO tags (cluster, label, capability, status, confidence, actor, notes, analyst, created_at, updated_at, updated_by) SELECT c.id, 'theirs ' || n.i, '', 'confirmed', 0.9, '', 'note ' || n.i, 'bob', '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', 'bob' FROM n JOIN c ON c.k = n.i % c.total;"
}

echo "== merge of 20,000 tags ($scenario), with hydrascope tag running meanwhile"
make_pair 20000
cluster=$(sqlite3 "$work/base.hcase" "SELECT id FROM clusters ORDER BY size DESC LIMIT 1")
"$bin" tags "$work/ours-20000.hcase" >/dev/null # first open: WAL mode
(
    slowest=0; failed=0; count=0
    end=$((SECONDS + 30))
    while [ ! -e "$work/merge-done" ] && [ $SECONDS -lt $end ]; do
        start=$(date +%s%N)
        if ! "$bin" tag "$work/ours-20000.hcase" --cluster "$cluster" --label "meanwhile $count" --analyst carol >/dev/null 2>&1; then
            failed=$((failed + 1))
        fi
        ms=$((($(date +%s%N) - start) / 1000000))
        [ $ms -gt $slowest ] && slowest=$ms
        count=$((count + 1))
    done
    echo "hydrascope tag during the merge: $count runs, slowest ${slowest} ms, $failed failed"
) &
tagger=$!
sleep 0.5
/usr/bin/time -f "merge: %e s, peak memory %M KiB" \
    "$bin" merge "$work/ours-20000.hcase" --from "$work/theirs-20000.hcase" --analyst alice
touch "$work/merge-done"
wait $tagger

echo "== report on a case holding 2,500 merged tags ($scenario)"
make_pair 2500
"$bin" merge "$work/ours-2500.hcase" --from "$work/theirs-2500.hcase" --analyst alice >/dev/null
/usr/bin/time -f "report: %e s, peak memory %M KiB" \
    "$bin" report "$work/ours-2500.hcase" --out "$work/report.html"
/usr/bin/time -f "tags --json: %e s, peak memory %M KiB" \
    "$bin" tags "$work/ours-2500.hcase" --json >/dev/null
/usr/bin/time -f "history: %e s, peak memory %M KiB" \
    "$bin" history "$work/ours-2500.hcase" >/dev/null
