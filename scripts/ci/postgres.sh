# Sourced by .ci/run (and usable by hand): installs PostgreSQL from Debian's packages when absent and
# starts a throwaway cluster on 127.0.0.1:54329 with trust auth. Sets PG_URL.
PG_PORT="${PG_PORT:-54329}"
PG_DATA="${PG_DATA:-/tmp/momento-pg-$PG_PORT}"

pg_bin_dir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

start_postgres() {
  local bin
  if ! bin=$(pg_bin_dir); then
    echo "=== installing PostgreSQL from Debian's packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || return 1
    bin=$(pg_bin_dir) || return 1
  fi
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  if [ -f "$PG_DATA/postmaster.pid" ] && "${as[@]}" "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    :
  else
    rm -rf "$PG_DATA" && mkdir -p "$PG_DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA"
    "${as[@]}" "$bin/initdb" -D "$PG_DATA" -A trust -U postgres >/dev/null || return 1
    "${as[@]}" "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/pg.log" -w \
      -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null || return 1
  fi
  PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "=== PostgreSQL ready at 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  local bin
  bin=$(pg_bin_dir) || return 0
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
}
