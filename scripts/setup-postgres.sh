#!/usr/bin/env bash
# Makes a Postgres server available on 127.0.0.1:5432 for featc's tests and creates the
# database `featc_test`, then prints the URL to use.
#
# - If a server already answers on 127.0.0.1:5432, it is used as it is.
# - Otherwise (Debian, as root): installs the `postgresql` package, makes the cluster listen on
#   127.0.0.1 only with trust authentication for loopback connections, and starts it.
#
# Idempotent: safe to run any number of times. Logs go to stderr; stdout is the URL alone.
set -euo pipefail

readonly HOST=127.0.0.1
readonly PORT=5432
readonly DATABASE=featc_test
readonly URL="postgres://postgres@${HOST}:${PORT}/${DATABASE}"
# Marks the lines this script adds to pg_hba.conf, so that a second run does not add them again.
readonly HBA_MARKER="# featc: trust loopback connections (scripts/setup-postgres.sh)"

log() { echo "setup-postgres: $*" >&2; }

server_ready() {
  command -v pg_isready >/dev/null && pg_isready -q -h "$HOST" -p "$PORT"
}

install_postgres() {
  if [[ $(id -u) -ne 0 ]]; then
    log "no Postgres on ${HOST}:${PORT} and not root: cannot install one; run this script as root"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when they do not know the package yet (a fresh image).
  if ! apt-cache show postgresql >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update >&2
  fi
  log "apt-get install postgresql"
  apt-get install -y postgresql >&2
}

newest_installed_version() {
  # /etc/postgresql holds one directory per installed major version (e.g. 15).
  [[ -d /etc/postgresql ]] || return 0
  find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n 1
}

configure_cluster() {
  local version=$1
  local conf_dir="/etc/postgresql/${version}/main"
  if [[ ! -d "$conf_dir" ]]; then
    log "creating cluster ${version}/main"
    pg_createcluster "$version" main >&2
  fi

  # Debian's postgresql.conf reads conf.d/; this file wins over the defaults above it.
  mkdir -p "${conf_dir}/conf.d"
  cat >"${conf_dir}/conf.d/featc.conf" <<EOF
# Written by featc's scripts/setup-postgres.sh: loopback only.
listen_addresses = '${HOST}'
port = ${PORT}
EOF

  # pg_hba.conf is read top-down and the first matching line decides: put ours first.
  local hba="${conf_dir}/pg_hba.conf"
  if ! grep -qxF "$HBA_MARKER" "$hba"; then
    local original
    original=$(cat "$hba")
    # Rewrite in place (not mv) to keep the file's owner and mode.
    printf '%s\nhost all all %s/32 trust\n\n%s\n' "$HBA_MARKER" "$HOST" "$original" >"$hba"
  fi
}

start_cluster() {
  local version=$1
  # --skip-systemctl-redirect: containers usually have no systemd.
  if pg_ctlcluster "$version" main status >/dev/null 2>&1; then
    log "restarting cluster ${version}/main to apply the configuration"
    pg_ctlcluster --skip-systemctl-redirect "$version" main restart
  else
    log "starting cluster ${version}/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
}

wait_until_ready() {
  for _ in $(seq 1 30); do
    if server_ready; then
      return 0
    fi
    sleep 1
  done
  log "Postgres did not become ready on ${HOST}:${PORT} within 30 seconds"
  exit 1
}

ensure_database() {
  local psql=(psql -h "$HOST" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
  if ! "${psql[@]}" -c 'select 1' >/dev/null; then
    log "cannot connect as user postgres to ${HOST}:${PORT} (is loopback trust authentication configured?)"
    exit 1
  fi
  local exists
  exists=$("${psql[@]}" -c "select 1 from pg_database where datname = '${DATABASE}'")
  if [[ "$exists" != 1 ]]; then
    log "creating database ${DATABASE}"
    "${psql[@]}" -c "create database ${DATABASE}" >/dev/null
  fi
}

main() {
  if server_ready; then
    log "Postgres already running on ${HOST}:${PORT}"
  else
    if ! command -v pg_ctlcluster >/dev/null || [[ -z "$(newest_installed_version)" ]]; then
      install_postgres
    fi
    # Configure and (re)start even if the package just started a cluster of its own: its
    # defaults (password authentication) are not what the tests use.
    local version
    version=$(newest_installed_version)
    configure_cluster "$version"
    start_cluster "$version"
    wait_until_ready
  fi
  ensure_database
  echo "$URL"
}

main "$@"
