#!/usr/bin/env bash
# The offline benchmark: featc against the DuckDB reference, on the same machine, in the same run.
#
#   bench/run.sh [tiny|small|large] [--repeat N] [--engine both|duckdb|featc] [--steps LIST]
#
# Sets up what it needs (idempotently), then hands over to bench/harness.py:
#   - a Python venv in bench/.venv with ../shared/bench/requirements.txt (numpy, pyarrow, duckdb);
#   - /usr/bin/time (apt package `time`), for wall time and peak RSS of every process;
#   - the data set in bench/data/<scale>/, made by the seeded generator if missing, its SHA-256
#     checked against ../shared/bench/README.md;
#   - featc: $FEATC_BIN if set, else `cargo build --release --locked` and target/release/featc.
#
# The workload's reference lives outside the repo, at ../shared/bench relative to the repo root
# (override with FEATC_SHARED_BENCH=DIR). Progress goes to stderr; stdout is only the Markdown
# table of results, ready to paste into BENCHMARKS.md. Results: bench/out/<scale>/results.jsonl.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO/bench
SHARED=${FEATC_SHARED_BENCH:-$REPO/../shared/bench}

usage() {
  sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
log() { echo "==> $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }

scale=small
repeat=3
engine=both
steps=sliding,pit_window,rolling_hop
while [[ $# -gt 0 ]]; do
  case $1 in
    tiny | small | large) scale=$1 ;;
    --repeat) [[ $# -ge 2 ]] || usage; repeat=$2; shift ;;
    --repeat=*) repeat=${1#--repeat=} ;;
    --engine) [[ $# -ge 2 ]] || usage; engine=$2; shift ;;
    --engine=*) engine=${1#--engine=} ;;
    --steps) [[ $# -ge 2 ]] || usage; steps=$2; shift ;;
    --steps=*) steps=${1#--steps=} ;;
    -h | --help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  shift
done
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "--repeat wants a positive integer, not '$repeat'"
[[ $engine =~ ^(both|duckdb|featc)$ ]] || die "--engine is both, duckdb or featc, not '$engine'"
[[ -f $SHARED/gen_events.py && -f $SHARED/duckdb_baseline.py ]] ||
  die "the reference workload is not at $SHARED (expected ../shared/bench next to the repo; set FEATC_SHARED_BENCH)"

# Generator arguments and expected SHA-256 (events, labels) per scale. small and large are the
# standard scales of ../shared/bench/README.md; tiny is the README's checking size (no published
# hashes), for trying the plumbing in seconds.
case $scale in
  tiny)
    gen_args=(--events 100000 --users 1000 --labels 10000 --days 30 --seed 1)
    sha_events='' sha_labels='' ;;
  small)
    gen_args=(--events 1000000 --users 10000 --labels 100000 --days 30 --seed 42)
    sha_events=970d94bf601c5757e8d57d292940776de92c9cf5b40e8d20ecf4efb1f60e3422
    sha_labels=4813c4942e4130f068ba51b82a8dcc2baf399bde3e7a41192b334a613b703730 ;;
  large)
    gen_args=(--events 10000000 --users 100000 --labels 1000000 --days 30 --seed 42)
    sha_events=c5bff7a548727ddbe53a2d626d4a583334e3e0e832391c35a25c7bf1f52e1bb3
    sha_labels=bbd468a0fcca5255aa1953714a6b49a34502cf0c542435214c61d30366353f4b ;;
esac

ensure_time() {
  [[ -x /usr/bin/time ]] && return
  log "installing /usr/bin/time (apt package 'time')"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get install -y time >&2 || { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y time >&2; }
  [[ -x /usr/bin/time ]] || die "could not install /usr/bin/time"
}

# The venv is rebuilt only when requirements.txt changes (its hash is kept in a stamp file).
ensure_venv() {
  local venv=$BENCH/.venv stamp want
  want=$(sha256sum "$SHARED/requirements.txt" | cut -d' ' -f1)
  stamp=$venv/.requirements.sha256
  if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return
  fi
  log "setting up $venv (pip install -r $SHARED/requirements.txt)"
  [[ -x $venv/bin/python ]] || python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --disable-pip-version-check -q -r "$SHARED/requirements.txt" >&2
  echo "$want" >"$stamp"
}

check_sha() {
  local file=$1 want=$2 got
  got=$(sha256sum "$file" | cut -d' ' -f1)
  if [[ -z $want ]]; then
    log "$(basename "$file"): sha256 $got (no published hash for scale $scale)"
  elif [[ $got != "$want" ]]; then
    echo "warning: $file has sha256 $got, the README publishes $want;" \
      "the data differs from the reference (numpy/pyarrow versions? see manifest.json)" >&2
  else
    log "$(basename "$file"): sha256 matches the README"
  fi
}

# Generated into a scratch directory and moved in place, so an interrupted generation never
# leaves a half-written data set that a later run would take as complete.
ensure_data() {
  local dir=$BENCH/data/$scale
  if [[ ! -f $dir/events.parquet || ! -f $dir/labels.parquet ]]; then
    log "generating the $scale data set (${gen_args[*]})"
    rm -rf "$dir.partial"
    "$PY" "$SHARED/gen_events.py" "${gen_args[@]}" --out "$dir.partial" >&2
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
  fi
  check_sha "$dir/events.parquet" "$sha_events"
  check_sha "$dir/labels.parquet" "$sha_labels"
}

ensure_featc() {
  if [[ -n ${FEATC_BIN:-} ]]; then
    featc=$FEATC_BIN
  else
    log "cargo build --release --locked"
    (cd "$REPO" && cargo build --release --locked --bin featc >&2)
    featc=$REPO/target/release/featc
  fi
  [[ $featc == /* ]] || featc=$REPO/$featc
  [[ -x $featc ]] || die "featc binary not found at $featc"
}

ensure_time
ensure_venv
PY=$BENCH/.venv/bin/python
ensure_data
featc=''
[[ $engine == duckdb ]] || ensure_featc

cd "$REPO"
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ next to the scripts
exec "$PY" "$BENCH/harness.py" \
  --scale "$scale" --repeat "$repeat" --engine "$engine" --steps "$steps" \
  --data "$BENCH/data/$scale" --out "$BENCH/out/$scale" \
  --project "$BENCH/features" --shared "$SHARED" ${featc:+--featc "$featc"}
