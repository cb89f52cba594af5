#!/usr/bin/env bash
# THE test command: formatting, lints and every test, against a local Postgres.
#
#   scripts/test.sh
#
# Set FEATC_TEST_POSTGRES to use a Postgres of your own; otherwise scripts/setup-postgres.sh
# makes one available on 127.0.0.1:5432 (installing it if needed). Likewise FEATC_TEST_KAFKA
# and scripts/setup-kafka.sh for a Kafka-protocol broker on 127.0.0.1:9092 (tansu; building it
# the first time takes about 12 minutes). Either set to `skip` skips the tests that need it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${FEATC_TEST_POSTGRES:-}" ]]; then
  bash scripts/setup-postgres.sh >/dev/null
  FEATC_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/featc_test
fi
export FEATC_TEST_POSTGRES

if [[ -z "${FEATC_TEST_KAFKA:-}" ]]; then
  FEATC_TEST_KAFKA=$(bash scripts/setup-kafka.sh)
fi
export FEATC_TEST_KAFKA

# Snapshots are compared, never written: a changed snapshot fails the run instead of being
# silently accepted.
export INSTA_UPDATE=no
export CI=true

step() { echo "==> $*" >&2; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --locked --all-targets -- -D warnings

if cargo nextest --version >/dev/null 2>&1; then
  step "cargo nextest run"
  cargo nextest run --locked
  # nextest does not run doctests.
  step "cargo test --doc"
  cargo test --locked --doc
else
  step "cargo test"
  cargo test --locked
fi
