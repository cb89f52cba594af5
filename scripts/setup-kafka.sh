#!/usr/bin/env bash
# Makes a Kafka-protocol broker available on 127.0.0.1:9092 for featc's stream tests: tansu
# 0.6.0 (an Apache Kafka-compatible broker in Rust) with in-memory storage, then prints the
# bootstrap address.
#
# - If something already answers on 127.0.0.1:9092, it is used as it is.
# - If `tansu --help` lists the dynostore storage engine, the installed binary is used;
#   otherwise it is built (about 12 minutes on 2 cores, nice'd):
#     cargo install tansu --version 0.6.0 --locked --no-default-features --features dynostore
#   (its default features have no storage engine: `--storage-engine memory://` would fail).
# - The broker listens on loopback only, runs in the background (log: $TANSU_LOG, default
#   /tmp/tansu.log) and keeps everything in memory: it grows without retention, so restart it
#   between large runs.
#
# Idempotent: safe to run any number of times. Logs go to stderr; stdout is the address alone.
set -euo pipefail

readonly host=127.0.0.1
readonly port=9092
readonly log="${TANSU_LOG:-/tmp/tansu.log}"

say() { echo "setup-kafka: $*" >&2; }

answers() {
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

if answers; then
  say "a broker already answers on $host:$port"
  echo "$host:$port"
  exit 0
fi

tansu_bin="$(command -v tansu || true)"
if [[ -z "$tansu_bin" && -x "$HOME/.cargo/bin/tansu" ]]; then
  tansu_bin="$HOME/.cargo/bin/tansu"
fi
if [[ -n "$tansu_bin" ]] && "$tansu_bin" --help 2>&1 | grep -q 'Storage engines:.*dynostore'; then
  say "using $tansu_bin"
else
  say "building tansu 0.6.0 with the dynostore engine (about 12 minutes)"
  nice -n 19 cargo install tansu --version 0.6.0 --locked --no-default-features --features dynostore >&2
  tansu_bin="$HOME/.cargo/bin/tansu"
fi

say "starting the broker on $host:$port (log: $log)"
nohup "$tansu_bin" broker \
  --listener-url "tcp://$host:$port" \
  --advertised-listener-url "tcp://$host:$port" \
  --storage-engine memory://tansu/ \
  >"$log" 2>&1 &

for _ in $(seq 1 100); do
  if answers; then
    say "ready"
    echo "$host:$port"
    exit 0
  fi
  sleep 0.2
done
say "the broker did not answer within 20 s; see $log"
tail -n 20 "$log" >&2 || true
exit 1
