#!/usr/bin/env bash
# Makes sure the services the tests use are there (see
# internal/dbtest): PostgreSQL on 127.0.0.1:5432 (user postgres, no
# password) and Redis on 127.0.0.1:6379, plus Debian's chromium for the
# browser tests and Debian's pgbouncer for the pooler tests. Running services
# are left alone; missing ones are started,
# and installed with apt-get when we are root. MARKET_TEST_DATABASE_URL and
# MARKET_TEST_REDIS_URL point the tests elsewhere; then nothing is started.
# Prints one line per service.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_HOST=127.0.0.1
REDIS_PORT=6379

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

is_root() { [ "$(id -u)" -eq 0 ]; }
have() { command -v "$1" >/dev/null 2>&1; }

die() {
	echo "$*" >&2
	exit 1
}

# logged runs a noisy command with its output in $LOG, shown only on failure.
logged() {
	if ! "$@" >>"$LOG" 2>&1; then
		echo "failed: $*" >&2
		tail -n 40 "$LOG" >&2
		exit 1
	fi
}

APT_UPDATED=
apt_install() {
	if [ -z "$APT_UPDATED" ]; then
		logged env DEBIAN_FRONTEND=noninteractive apt-get update
		APT_UPDATED=1
	fi
	logged env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# wait_for polls a check for up to 30 seconds.
wait_for() {
	local i
	for i in $(seq 1 60); do
		if "$@"; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

pg_ready() {
	if have pg_isready; then
		pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null
	else
		tcp_open "$PG_HOST" "$PG_PORT"
	fi
}

# newest_cluster prints the highest version that has a cluster "main".
newest_cluster() {
	local d
	for d in /etc/postgresql/*/main; do
		[ -f "$d/postgresql.conf" ] && basename "$(dirname "$d")"
	done | sort -V | tail -n 1
	return 0
}

# trust_tests lets the tests connect over TCP as postgres without a password,
# on a cluster this script has just installed or created (Debian's default
# asks for one). Existing clusters are never reconfigured.
trust_tests() {
	local hba="/etc/postgresql/$1/main/pg_hba.conf" tmp
	tmp=$(mktemp)
	{
		echo "# added by scripts/test-services.sh: the tests connect as postgres without a password"
		echo "host all postgres 127.0.0.1/32 trust"
		echo "host all postgres ::1/128 trust"
		cat "$hba"
	} >"$tmp"
	cat "$tmp" >"$hba"
	rm -f "$tmp"
}

ensure_postgres() {
	if [ -n "${MARKET_TEST_DATABASE_URL:-}" ]; then
		echo "postgres: MARKET_TEST_DATABASE_URL is set; using it, starting nothing"
		return
	fi
	if pg_ready; then
		echo "postgres: already answering on $PG_HOST:$PG_PORT"
		return
	fi
	local did="" ver rc=0
	if [ -z "$(newest_cluster)" ]; then
		is_root || die "postgres: nothing answers on $PG_HOST:$PG_PORT and there is no cluster; as root this script installs Debian's postgresql, or set MARKET_TEST_DATABASE_URL"
		if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! have pg_ctlcluster; then
			apt_install postgresql
			did="installed postgresql, "
		fi
		# The package normally creates the cluster main; make it if not.
		if [ -z "$(newest_cluster)" ]; then
			ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
			logged pg_createcluster -p "$PG_PORT" "$ver" main
			did="${did}created cluster $ver/main, "
		fi
		trust_tests "$(newest_cluster)"
	fi
	ver=$(newest_cluster)
	if is_root || [ "$(stat -c %u "/etc/postgresql/$ver/main/postgresql.conf")" = "$(id -u)" ]; then
		pg_ctlcluster --skip-systemctl-redirect "$ver" main start >>"$LOG" 2>&1 || rc=$?
		# 2 means it was running already (on another address, perhaps).
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
			tail -n 40 "$LOG" >&2
			die "postgres: pg_ctlcluster $ver main start failed (exit $rc)"
		fi
	else
		die "postgres: nothing answers on $PG_HOST:$PG_PORT and cluster $ver/main is not ours to start; start it, or set MARKET_TEST_DATABASE_URL"
	fi
	wait_for pg_ready || die "postgres: started cluster $ver/main but nothing answers on $PG_HOST:$PG_PORT after 30s"
	if [ -n "$did" ]; then
		# Installing may have started it before trust_tests edited pg_hba.conf.
		logged pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
	fi
	echo "postgres: ${did}started cluster $ver/main, answering on $PG_HOST:$PG_PORT"
}

redis_ready() {
	if have redis-cli; then
		[ "$(timeout 5 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
	else
		timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "PING\r\n" >&3 && read -r line <&3 && [[ $line == +PONG* ]]' \
			"$REDIS_HOST" "$REDIS_PORT" 2>/dev/null
	fi
}

ensure_redis() {
	if [ -n "${MARKET_TEST_REDIS_URL:-}" ]; then
		echo "redis: MARKET_TEST_REDIS_URL is set; using it, starting nothing"
		return
	fi
	if redis_ready; then
		echo "redis: already answering on $REDIS_HOST:$REDIS_PORT"
		return
	fi
	local did=""
	if ! have redis-server; then
		is_root || die "redis: nothing answers on $REDIS_HOST:$REDIS_PORT and redis-server is not installed; as root this script installs it, or set MARKET_TEST_REDIS_URL"
		apt_install redis-server
		did="installed redis-server, "
		# The package may have started its own service already.
		if wait_for redis_ready; then
			echo "redis: ${did}its service answers on $REDIS_HOST:$REDIS_PORT"
			return
		fi
	fi
	logged redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no
	wait_for redis_ready || die "redis: started redis-server but nothing answers on $REDIS_HOST:$REDIS_PORT after 30s"
	echo "redis: ${did}started redis-server on $REDIS_HOST:$REDIS_PORT"
}

ensure_chromium() {
	if [ -x /usr/bin/chromium ]; then
		echo "chromium: found /usr/bin/chromium"
	elif is_root; then
		apt_install chromium
		[ -x /usr/bin/chromium ] || die "chromium: apt-get installed chromium but /usr/bin/chromium is missing"
		echo "chromium: installed Debian's chromium (/usr/bin/chromium)"
	else
		echo "chromium: /usr/bin/chromium missing and not root; browser tests need Debian's chromium package (apt-get install chromium)"
	fi
}

ensure_postgres
ensure_redis
ensure_chromium

# The tests that go through a transaction pooler (DATABASE_URL behind
# PgBouncer, DATABASE_DIRECT_URL beside it) start their own PgBouncer and
# skip where none is installed. Debian's package starts no server of its
# own outside systemd; under systemd its service is stopped.
ensure_pgbouncer() {
	if have pgbouncer || [ -x /usr/sbin/pgbouncer ]; then
		echo "pgbouncer: found"
	elif is_root; then
		apt_install pgbouncer
		if [ -d /run/systemd/system ]; then systemctl stop pgbouncer >/dev/null 2>&1 || true; fi
		echo "pgbouncer: installed Debian's pgbouncer"
	else
		echo "pgbouncer: missing and not root; the pooler tests are skipped (apt-get install pgbouncer)"
	fi
}
ensure_pgbouncer
