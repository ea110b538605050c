#!/usr/bin/env bash
# Fupin Market on several processes, from Debian's packages (installed with
# apt-get when missing, as root):
#
#   HAProxy :18100 ──► marketd ×3 (:18101-18103; /readyz health checks,
#                        drain on SIGTERM)
#                        ├─► PgBouncer :26432 (transaction pooling) ─► PostgreSQL primary :25432
#                        ├─► PostgreSQL primary directly (LISTEN, river: DATABASE_DIRECT_URL)
#                        ├─► streaming replica :25433 (pg_basebackup; DATABASE_READ_URL)
#                        └─► Redis Cluster :27001-27006 (three masters, one replica each)
#
# Usage: scripts/cluster.sh up|down|status|roll   (roll: rolling restart of marketd on a new build)
#
# Everything lives under CLUSTER_DIR (default ./var/cluster) and listens on
# 127.0.0.1. Every address is a variable (scripts/cluster-lib.sh): pointed
# at real hosts, and with CLUSTER_PARTS naming what this machine runs
# (default "postgres replica pgbouncer redis marketd haproxy"), the same
# script is the production recipe (docs/SCALING.md). `up` migrates as the
# superuser over the primary's socket and loads the demo (CLUSTER_DEMO=0
# skips it); marketd connects as market_app.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster-lib.sh
PARTS=${CLUSTER_PARTS:-"postgres replica pgbouncer redis marketd haproxy"}
has_part() { [[ " $PARTS " == *" $1 "* ]]; }

APT_UPDATED=
need() { # command package
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || { echo "$1 is missing: apt-get install $2" >&2; exit 1; }
	if [ -z "$APT_UPDATED" ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null; APT_UPDATED=1; fi
	echo "installing $2"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
	# Under systemd Debian starts a packaged service at install; this script
	# runs its own instances on other ports, so that one is stopped.
	case $2 in
	haproxy | pgbouncer) [ -d /run/systemd/system ] && systemctl stop "$2" >/dev/null 2>&1 || true ;;
	esac
}

install_missing() {
	need curl curl
	need psql postgresql-client
	[ -x "$(pgbin)/initdb" ] || { need_pg=1; }
	if [ -n "${need_pg:-}" ]; then
		[ "$(id -u)" = 0 ] || { echo "PostgreSQL server binaries missing: apt-get install postgresql" >&2; exit 1; }
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
	fi
	has_part pgbouncer && need pgbouncer pgbouncer
	has_part redis && need redis-server redis-server
	need redis-cli redis-tools
	has_part haproxy && need haproxy haproxy
	has_part marketd && { command -v go >/dev/null || { echo "go is needed to build marketd" >&2; exit 1; }; }
	true
}

secrets() {
	mkdir -p "$SECRETS"
	chmod 700 "$SECRETS"
	local s
	for s in market_app replicator; do
		[ -s "$SECRETS/$s" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$SECRETS/$s"
	done
	[ -s "$SECRETS/data_key" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRETS/data_key"
}

pg_alive() { as_postgres "$(pgbin)/pg_ctl" -D "$1" status >/dev/null 2>&1; }
pg_up() { # dir
	as_postgres "$(pgbin)/pg_ctl" -D "$1" -w -t 60 -l "$LOGS/$(basename "$1").log" start >/dev/null
}

primary_up() {
	local d=$CLUSTER_DIR/pg-primary
	if [ ! -s "$d/PG_VERSION" ]; then
		mkdir -p "$d" && chown postgres "$d" 2>/dev/null || true
		as_postgres "$(pgbin)/initdb" -D "$d" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
		cat >>"$d/postgresql.conf" <<EOF
# scripts/cluster.sh
listen_addresses = '$LISTEN'
port = $PG_PRIMARY_PORT
unix_socket_directories = '$RUN'
max_connections = 200
shared_buffers = 512MB
wal_level = replica
max_wal_senders = 10
wal_keep_size = 512MB
hot_standby = on
hot_standby_feedback = on
EOF
		cat >>"$d/pg_hba.conf" <<EOF
host replication replicator 0.0.0.0/0 scram-sha-256
host all all 0.0.0.0/0 scram-sha-256
EOF
	fi
	pg_alive "$d" || pg_up "$d"
	admin_psql "DO \$\$BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'replicator') THEN CREATE ROLE replicator REPLICATION LOGIN; END IF;
		END\$\$; ALTER ROLE replicator PASSWORD '$(secret replicator)'"
	psql -X -tA "postgres:///postgres?host=$RUN&port=$PG_PRIMARY_PORT&user=postgres" -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 ||
		admin_psql "CREATE DATABASE $DB_NAME"
}

# migrate: as the superuser over the socket (marketctl creates market_app
# with DATABASE_URL's password), then the service role's limits as its own
# settings: through PgBouncer marketd sends no session parameters.
migrate() {
	local env=(MIGRATE_DATABASE_URL="$(owner_url)" DATABASE_URL="$(app_url "$PG_PRIMARY_HOST" "$PG_PRIMARY_PORT")"
		MARKET_DATA_DIR="$CLUSTER_DIR/data" MARKET_DATA_KEY="$(secret data_key)" MARKET_LOG_LEVEL=warn)
	env "${env[@]}" "$CLUSTER_DIR/bin/marketctl" migrate up >/dev/null
	admin_psql "ALTER ROLE market_app SET statement_timeout = '30s';
		ALTER ROLE market_app SET idle_in_transaction_session_timeout = '60s'"
	if [ "${CLUSTER_DEMO:-1}" = 1 ]; then
		env "${env[@]}" "$CLUSTER_DIR/bin/marketctl" demo >"$LOGS/demo.log" 2>&1
	fi
}

replica_up() {
	local d=$CLUSTER_DIR/pg-replica
	if [ ! -s "$d/PG_VERSION" ]; then
		mkdir -p "$d" && chown postgres "$d" 2>/dev/null || true
		chmod 700 "$d"
		as_postgres env PGPASSWORD="$(secret replicator)" "$(pgbin)/pg_basebackup" -h "$PG_PRIMARY_HOST" -p "$PG_PRIMARY_PORT" \
			-U replicator -D "$d" -R -X stream -c fast
		cat >>"$d/postgresql.conf" <<EOF
port = $PG_REPLICA_PORT
EOF
	fi
	pg_alive "$d" || pg_up "$d"
}

pgbouncer_up() {
	local d=$CLUSTER_DIR/pgbouncer
	mkdir -p "$d"
	cat >"$d/pgbouncer.ini" <<EOF
[databases]
$DB_NAME = host=$PG_PRIMARY_HOST port=$PG_PRIMARY_PORT dbname=$DB_NAME

[pgbouncer]
listen_addr = $LISTEN
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $d/userlist.txt
pool_mode = transaction
default_pool_size = $PGBOUNCER_POOL
max_client_conn = 2000
ignore_startup_parameters = extra_float_digits
server_reset_query =
logfile = $LOGS/pgbouncer.log
pidfile = $RUN/pgbouncer.pid
EOF
	echo "\"market_app\" \"$(secret market_app)\"" >"$d/userlist.txt"
	chown -R postgres "$d" 2>/dev/null || true
	chmod 600 "$d/userlist.txt"
	alive "$RUN/pgbouncer.pid" || as_postgres pgbouncer -q -d "$d/pgbouncer.ini"
	wait_until 10 psql -X -tA "$(app_url "$PGBOUNCER_HOST" "$PGBOUNCER_PORT")" -c "SELECT 1"
}

redis_up() {
	local p seeds=""
	for p in $REDIS_PORTS; do start_redis "$p"; seeds="$seeds $LISTEN:$p"; done
	if ! redis-cli -h "$LISTEN" -p "${REDIS_PORTS%% *}" cluster info | grep -q 'cluster_state:ok'; then
		# shellcheck disable=SC2086
		redis-cli --cluster create $seeds --cluster-replicas 1 --cluster-yes >"$LOGS/redis-create.log" 2>&1
	fi
	wait_until 30 sh -c "redis-cli -h $LISTEN -p ${REDIS_PORTS%% *} cluster info | grep -q cluster_state:ok"
}

haproxy_up() {
	local d=$CLUSTER_DIR/haproxy
	mkdir -p "$d"
	haproxy_cfg >"$d/haproxy.cfg"
	if alive "$RUN/haproxy.pid"; then
		# A new process takes the listeners with the new configuration and
		# tells the old one to finish its connections (-sf): HAProxy's reload
		# outside master-worker mode, where a signal alone reloads nothing.
		haproxy -D -f "$d/haproxy.cfg" -p "$RUN/haproxy.pid" -sf "$(cat "$RUN/haproxy.pid")" >>"$LOGS/haproxy.log" 2>&1
	else
		haproxy -D -f "$d/haproxy.cfg" -p "$RUN/haproxy.pid" >>"$LOGS/haproxy.log" 2>&1
	fi
	wait_until 10 curl -fsS "http://$LISTEN:$HAPROXY_PORT/healthz"
}

build() {
	mkdir -p "$CLUSTER_DIR/bin"
	if [ -n "${MARKETD_BIN:-}" ]; then cp "$MARKETD_BIN" "$CLUSTER_DIR/bin/marketd"; else go build -o "$CLUSTER_DIR/bin/marketd" ./cmd/marketd; fi
	if [ -n "${MARKETCTL_BIN:-}" ]; then cp "$MARKETCTL_BIN" "$CLUSTER_DIR/bin/marketctl"; else go build -o "$CLUSTER_DIR/bin/marketctl" ./cmd/marketctl; fi
}

# PostgreSQL runs as postgres, so every directory above CLUSTER_DIR must let
# it pass. `make run` keeps its own data (and data key) in ./var with mode
# 700: such a directory gets the search bit alone, which lets postgres reach
# var/cluster without listing or reading anything else in it.
let_postgres_through() {
	[ "$(id -u)" = 0 ] || return 0
	local d=$CLUSTER_DIR
	while d=$(dirname "$d"); [ "$d" != / ]; do
		if ! runuser -u postgres -- test -x "$d"; then
			echo "giving others the search bit (o+x) on $d, so that postgres reaches $CLUSTER_DIR"
			chmod o+x "$d"
		fi
	done
}

up() {
	install_missing
	mkdir -p "$RUN" "$LOGS" "$CLUSTER_DIR/data"
	chmod 755 "$CLUSTER_DIR" "$RUN" "$LOGS"
	let_postgres_through
	chown postgres "$RUN" "$LOGS" 2>/dev/null || true
	chmod 1777 "$LOGS"
	secrets
	build
	if has_part postgres; then primary_up; migrate; echo "postgres primary: $PG_PRIMARY_HOST:$PG_PRIMARY_PORT (database $DB_NAME, migrated)"; fi
	if has_part replica; then replica_up; echo "postgres replica: $PG_REPLICA_HOST:$PG_REPLICA_PORT (streaming from the primary)"; fi
	if has_part pgbouncer; then pgbouncer_up; echo "pgbouncer: $PGBOUNCER_HOST:$PGBOUNCER_PORT (transaction pooling, $PGBOUNCER_POOL server connections)"; fi
	if has_part redis; then redis_up; echo "redis cluster: $(redis_seeds) (+ replicas)"; fi
	if has_part marketd; then
		local n
		for n in $(seq "$(echo "$MARKETD_PORTS" | wc -w)"); do start_node "$n"; done
		echo "marketd: $MARKETD_PORTS"
	fi
	if has_part haproxy; then haproxy_up; echo "haproxy: http://$LISTEN:$HAPROXY_PORT/ (stats http://$LISTEN:$HAPROXY_STATS_PORT/)"; fi
}

down() {
	local f p
	stop_pid "$RUN/haproxy.pid"
	for f in "$RUN"/marketd-*.pid; do [ -e "$f" ] && stop_pid "$f"; done
	stop_pid "$RUN/pgbouncer.pid"
	for p in $REDIS_PORTS; do stop_pid "$(redis_pidfile "$p")"; done
	for d in pg-replica pg-primary; do
		[ -s "$CLUSTER_DIR/$d/postmaster.pid" ] && as_postgres "$(pgbin)/pg_ctl" -D "$CLUSTER_DIR/$d" -m fast -w stop >/dev/null 2>&1 || true
	done
	# Only a directory this script made (it holds run/ or secrets/) is removed.
	if [ "${CLUSTER_KEEP:-0}" != 1 ] && { [ -d "$CLUSTER_DIR/run" ] || [ -d "$CLUSTER_DIR/secrets" ]; }; then rm -rf "$CLUSTER_DIR"; fi
	echo "cluster down$([ "${CLUSTER_KEEP:-0}" = 1 ] && echo " (data kept)")"
}

status() {
	local n p f ok=0
	line() { printf '%-28s %s\n' "$1" "$2"; }
	for d in pg-primary pg-replica; do
		if [ -s "$CLUSTER_DIR/$d/postmaster.pid" ] && kill -0 "$(head -1 "$CLUSTER_DIR/$d/postmaster.pid")" 2>/dev/null; then line "$d" up; else line "$d" down; ok=1; fi
	done
	if [ -d "$RUN" ] && psql -X -tA "postgres:///postgres?host=$RUN&port=$PG_PRIMARY_PORT&user=postgres" \
		-c "SELECT 'replication', application_name || ' ' || state || ' replay lag ' || coalesce(replay_lag::text, '0') FROM pg_stat_replication" 2>/dev/null | grep -q .; then
		line replication "$(psql -X -tA "postgres:///postgres?host=$RUN&port=$PG_PRIMARY_PORT&user=postgres" -c "SELECT state || ', replay lag ' || coalesce(replay_lag::text, '0') FROM pg_stat_replication" | head -1)"
	fi
	if alive "$RUN/pgbouncer.pid"; then line pgbouncer up; else line pgbouncer down; ok=1; fi
	for p in $REDIS_PORTS; do
		if alive "$(redis_pidfile "$p")"; then line "redis $p" "$(redis-cli -h "$LISTEN" -p "$p" role 2>/dev/null | head -1)"; else line "redis $p" down; ok=1; fi
	done
	n=0
	for p in $MARKETD_PORTS; do
		n=$((n + 1))
		f="$RUN/marketd-$n.pid"
		if alive "$f"; then
			line "marketd $n ($p)" "$(curl -s "http://$LISTEN:$p/readyz" 2>/dev/null || echo unreachable); $(curl -s "http://$LISTEN:$((p + 100))/metrics" 2>/dev/null | grep '^market_db_replica_lag_seconds' || true)"
		else
			line "marketd $n ($p)" down
			ok=1
		fi
	done
	if alive "$RUN/haproxy.pid"; then
		line haproxy "$(curl -s "http://$LISTEN:$HAPROXY_STATS_PORT/;csv" | awk -F, '$1=="marketd" && $2!="BACKEND"{printf "%s %s  ", $2, $18}')"
	else
		line haproxy down
		ok=1
	fi
	return $ok
}

# roll: a rolling restart of the marketd nodes on a fresh build, one at a
# time (SIGTERM: /readyz fails, HAProxy stops sending, in-flight requests
# finish), so the service stays up.
roll() {
	build
	local n
	for n in $(seq "$(echo "$MARKETD_PORTS" | wc -w)"); do
		stop_pid "$RUN/marketd-$n.pid"
		start_node "$n"
		echo "marketd $n restarted"
	done
}

case ${1:-} in
up) up ;;
roll) roll ;;
down) down ;;
status) status ;;
*) echo "usage: scripts/cluster.sh up|down|status|roll" >&2; exit 2 ;;
esac
