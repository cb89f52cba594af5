#!/usr/bin/env bash
# THE main job on a new machine: build featc, then check and compile examples/user_activity and
# build a point-in-time training set for its churn_model service.
#
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

readonly example=examples/user_activity
readonly out=out/user_activity

run() {
  echo "+ $*" >&2
  "$@"
}

run cargo build --locked
featc="${CARGO_TARGET_DIR:-target}/debug/featc"

run "$featc" check "$example"
run "$featc" compile "$example" --out "$out"
run "$featc" training-set "$example" --service churn_model \
  --labels "$example/labels.csv" --at observation_ts \
  --out "$out/training.parquet"

echo
echo "wrote:"
find "$out" -type f | sort | while read -r file; do
  printf '  %8d bytes  %s\n' "$(wc -c <"$file")" "$file"
done
