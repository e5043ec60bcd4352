#!/usr/bin/env bash
# Seed-scale benchmark of sharing: case export (whole, redacted, a few
# clusters), the redacted file scanned for raw identifiers, GraphML,
# headless pictures at 1x/2x, the briefing report, and merging an exported
# subset back. Runs on a copy of the seed-scale case.
#
#   bash benches/sharing.sh
#
# Needs: ~8 GB free disk, and `sqlite3` and GNU grep for the scan.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/seed-case.sh
work="$DATA/sharing-bench"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
copy="$work/case.hcase"
cp "$case_file" "$copy"
t() { /usr/bin/time -f "$1: %e s, peak memory %M KiB" "${@:2}"; }
# Tag the three largest suspected clusters (this also brings the copy to the
# current format).
clusters=$(sqlite3 "$copy" "SELECT id FROM clusters WHERE suspected = 1 ORDER BY size DESC LIMIT 3" | paste -sd,)
for c in ${clusters//,/ }; do
    "$bin" tag "$copy" --cluster "$c" --label "campaign $c" --status confirmed --analyst bench >/dev/null
done
echo "== case: $(du -h "$copy" | cut -f1), clusters $clusters"
t "export whole case" "$bin" export "$copy" --out "$work/whole.hcase"
t "export whole case, redacted" "$bin" export "$copy" --out "$work/redacted.hcase" --redact
t "export 3 clusters" "$bin" export "$copy" --out "$work/subset.hcase" --clusters "$clusters"
t "export 3 clusters, redacted" "$bin" export "$copy" --out "$work/subset-redacted.hcase" --clusters "$clusters" --redact
ls -l "$work"/*.hcase | awk '{print $5, $9}'
echo "== raw identifiers (>= 4 characters) in the redacted export's bytes"
sqlite3 "$copy" "SELECT org_name FROM accounts UNION SELECT email_domain FROM accounts
  UNION SELECT payment_fingerprint FROM accounts UNION SELECT signup_ip FROM accounts
  UNION SELECT ip FROM origins UNION SELECT prefix FROM origins UNION SELECT key_id FROM api_keys
  UNION SELECT fingerprint FROM client_fingerprints UNION SELECT text FROM excerpts" \
  | awk 'length($0) >= 4' > "$work/raw.txt"
echo "$(wc -l < "$work/raw.txt") distinct identifier values"
t "scan" sh -c "grep -a -c -F -f '$work/raw.txt' '$work/redacted.hcase' || true"
t "export graph (GraphML)" "$bin" export "$copy" --out "$work/graph.graphml"
first=${clusters%%,*}
t "render graph 1600x1000 at 1x" "$bin" render "$copy" --view graph --out "$work/g1.png"
t "render graph 1600x1000 at 2x" "$bin" render "$copy" --view graph --out "$work/g2.png" --scale 2
t "render cluster $first graph at 2x" "$bin" render "$copy" --view graph --cluster "$first" --out "$work/c2.png" --scale 2
t "render cluster $first timeline at 2x" "$bin" render "$copy" --view timeline --cluster "$first" --out "$work/t2.png" --scale 2
t "render graph as SVG" "$bin" render "$copy" --view graph --out "$work/g.svg"
ls -l "$work"/*.png "$work"/*.svg | awk '{print $5, $9}'
t "report (3 campaigns, 6 pictures)" "$bin" report "$copy" --out "$work/brief.html"
ls -l "$work/brief.html" | awk '{print $5, $9}'
"$bin" tag "$work/subset.hcase" --cluster "$first" --label "another view of $first" --analyst other >/dev/null
t "merge the tagged subset back" "$bin" merge "$copy" --from "$work/subset.hcase" --analyst bench
