#!/usr/bin/env bash
# The serving benchmark: `featc serve` under wrk against a bare prepared SELECT of the same rows
# under pgbench, on loopback, in the same run.
#
#   bench/serve.sh [--repeat N] [--duration S] [--connections C] [--examples LIST] [--at T]
#
# Sets up what it needs (idempotently): wrk (apt), pgbench and psql (postgresql-client), a
# Postgres (scripts/setup-postgres.sh, or $FEATC_BENCH_POSTGRES). It never builds featc: it
# takes $FEATC_BIN, else target/release/featc. Then bench/serve_bench.py publishes each
# example's views into a schema of its own, starts `featc serve` per example and measures.
# Progress goes to stderr; stdout is the Markdown table for BENCHMARKS.md. Results:
# bench/out/serve/results.jsonl.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { echo "==> $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }
for arg in "$@"; do
  if [[ $arg == -h || $arg == --help ]]; then
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
  fi
done

sudo=
[[ $(id -u) == 0 ]] || sudo=sudo
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  $sudo apt-get install -y wrk >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y wrk >&2; }
fi
for tool in pgbench psql python3 git; do
  command -v "$tool" >/dev/null || die "$tool is missing (pgbench and psql: apt-get install postgresql-client)"
done

bin=${FEATC_BIN:-$REPO/target/release/featc}
[[ -x $bin ]] || die "no featc at $bin: build it (cargo build --release --locked) or set FEATC_BIN"
if [[ $bin != *release* ]]; then
  log "warning: $bin is not a release build; featc's numbers will be far from what it can do"
fi
pg=${FEATC_BENCH_POSTGRES:-$(bash "$REPO/scripts/setup-postgres.sh")}
log "featc: $bin; Postgres: $pg"

exec python3 "$REPO/bench/serve_bench.py" --repo "$REPO" --bin "$bin" --postgres "$pg" \
  --out "$REPO/bench/out/serve" "$@"
