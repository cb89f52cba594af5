#!/usr/bin/env bash
# How a lookup's cost grows with a key's history: one key with EVENTS_PER_DAY events a day for
# DAYS days, in a rolling(7d) view (tiles of 1h, 1m and one per event time), published with
# `featc publish`, then the service's generated lookup run under EXPLAIN ANALYZE at a time
# inside the history. Prints, per run, the lookup's execution time and the tile rows it read.
#
#   bench/lookup_history.sh [EVENTS_PER_DAY] [DAYS]      # defaults: 400 30
#
# featc: $FEATC_BIN, else target/release/featc. Postgres: $FEATC_BENCH_POSTGRES, else
# scripts/setup-postgres.sh. Uses the schema featc_bench_history (dropped and recreated).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
per_day=${1:-400}
days=${2:-30}
bin=${FEATC_BIN:-$REPO/target/release/featc}
pg=${FEATC_BENCH_POSTGRES:-$(bash "$REPO/scripts/setup-postgres.sh")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$REPO/bench/history/history.feat" "$work/"
python3 - "$work/events.csv" "$per_day" "$days" <<'PY'
import datetime, random, sys
path, per_day, days = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(1)
start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
with open(path, "w") as f:
    f.write("user_id,amount,event_ts\n")
    for day in range(days):
        for _ in range(per_day):
            t = start + datetime.timedelta(days=day, seconds=random.randrange(86400))
            f.write(f"u1,{random.randrange(1000) / 10},{t.strftime('%Y-%m-%dT%H:%M:%SZ')}\n")
PY
end=$(python3 -c "import datetime; print((datetime.datetime(2024,1,1)+datetime.timedelta(days=$days)).strftime('%Y-%m-%dT00:00:00Z'))")
at=$(python3 -c "import datetime; print((datetime.datetime(2024,1,1)+datetime.timedelta(days=$days-1, hours=12, minutes=34, seconds=56)).strftime('%Y-%m-%dT%H:%M:%SZ'))")
schema=featc_bench_history
psql "$pg" -qc "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" 2>/dev/null
sep='?'; [[ $pg == *\?* ]] && sep='&'
url="$pg${sep}options=-c%20search_path%3D$schema"
"$bin" publish "$work" --view spend --postgres "$url" --now "$end" 2>/dev/null
"$bin" compile "$work" --out "$work/out" >/dev/null 2>&1
sql=$(grep -v '^--' "$work/out/online/model.lookup.sql" |
  sed -e "s/\$1/ARRAY['u1']::text[]/" -e "s/\$2/ARRAY['$at']::timestamptz[]/")
echo "featc: $bin; $per_day events a day for $days days; lookup at $at"
for run in 1 2 3 4 5; do
  plan=$(psql "$pg" -At -c "SET search_path=$schema" -c "EXPLAIN (ANALYZE) $sql")
  rows=$(grep -E 'Index Scan.* on spend' <<<"$plan" | sed -E 's/.*actual [^)]*rows=([0-9]+).*/\1/' | awk '{ s += $1 } END { print s }')
  time=$(grep -E 'Execution Time' <<<"$plan" | sed -E 's/.*: ([0-9.]+) ms/\1/')
  echo "run $run: execution $time ms, tile rows read $rows"
done
psql "$pg" -qc "DROP SCHEMA $schema CASCADE" 2>/dev/null
