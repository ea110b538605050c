# Shared by scripts/cluster.sh and scripts/cluster-test.sh (sourced, not run).
# Where everything lives and listens; every variable can be set from the
# environment (see docs/SCALING.md for running the same pieces on several
# machines).

CLUSTER_DIR=${CLUSTER_DIR:-$(pwd)/var/cluster}
LISTEN=${CLUSTER_LISTEN:-127.0.0.1}       # address every piece here listens on
PG_PRIMARY_HOST=${PG_PRIMARY_HOST:-127.0.0.1}
PG_PRIMARY_PORT=${PG_PRIMARY_PORT:-25432}
PG_REPLICA_HOST=${PG_REPLICA_HOST:-127.0.0.1}
PG_REPLICA_PORT=${PG_REPLICA_PORT:-25433}
PGBOUNCER_HOST=${PGBOUNCER_HOST:-127.0.0.1}
PGBOUNCER_PORT=${PGBOUNCER_PORT:-26432}
PGBOUNCER_POOL=${PGBOUNCER_POOL:-40}       # server connections per database and user
MARKETD_POOL=${MARKETD_POOL:-12}           # each marketd's connections to PgBouncer (pgx's default is max(4, cores))
REDIS_PORTS=${REDIS_PORTS:-"27001 27002 27003 27004 27005 27006"}   # three masters, then their replicas
REDIS_NODES=${REDIS_NODES:-}               # host:port,… of an existing cluster (else the ports above, here)
MARKETD_PORTS=${MARKETD_PORTS:-"18101 18102 18103"}
MARKETD_NODES=${MARKETD_NODES:-}           # host:port,… of marketd nodes elsewhere (HAProxy's backends)
HAPROXY_PORT=${HAPROXY_PORT:-18100}
HAPROXY_STATS_PORT=${HAPROXY_STATS_PORT:-18199}
DB_NAME=${CLUSTER_DB:-market}
RUN=$CLUSTER_DIR/run
LOGS=$CLUSTER_DIR/log
SECRETS=$CLUSTER_DIR/secrets

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
secret() { cat "$SECRETS/$1"; }

# alive PIDFILE: the process of a pid file is running (a killed process
# whose parent has not reaped it yet is not).
alive() {
	[ -s "$1" ] || return 1
	local pid
	pid=$(head -1 "$1")
	kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

# stop_pid PIDFILE [SIGNAL]: ends the process of a pid file (TERM, then KILL
# after 15 s) and waits for it.
stop_pid() {
	local f=$1 sig=${2:-TERM} pid i
	alive "$f" || { rm -f "$f"; return 0; }
	pid=$(cat "$f")
	kill "-$sig" "$pid" 2>/dev/null || true
	for i in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$f"
}

# wait_until SECONDS CMD…: polls CMD every 0.1 s.
wait_until() {
	local secs=$1 i
	shift
	for i in $(seq $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

app_url() { # host port [extra query]
	echo "postgres://market_app:$(secret market_app)@$1:$2/$DB_NAME?sslmode=disable${3:+&$3}"
}
# urlencode percent-encodes a socket directory for a URL's query: a
# checkout path with a space (or & or %) must reach marketctl's driver whole.
urlencode() {
	local s=$1 out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in [a-zA-Z0-9/._~-]) out+=$c ;; *) out+=$(printf '%%%02X' "'$c") ;; esac
	done
	echo "$out"
}
owner_url() { echo "postgres:///$DB_NAME?host=$(urlencode "$RUN")&port=$PG_PRIMARY_PORT&user=postgres&sslmode=disable"; }
admin_psql() { psql -X -q -v ON_ERROR_STOP=1 "postgres:///${2:-postgres}?host=$(urlencode "$RUN")&port=${3:-$PG_PRIMARY_PORT}&user=postgres" -c "$1"; }
redis_seeds() {
	if [ -n "$REDIS_NODES" ]; then echo "$REDIS_NODES"; return; fi
	local out="" p
	for p in $(echo "$REDIS_PORTS" | cut -d' ' -f1-3); do out="$out${out:+,}$LISTEN:$p"; done
	echo "$out"
}

# node_env N: marketd node N's environment (the production recipe: the same
# variables, with real hosts).
node_env() {
	local n=$1 port
	port=$(echo "$MARKETD_PORTS" | cut -d' ' -f"$n")
	# KEY=value lines; values are quoted where sourced (start_node).
	cat <<EOF
MARKET_ADDR=$LISTEN:$port
MARKET_METRICS_ADDR=$LISTEN:$((port + 100))
MARKET_DATA_DIR=$CLUSTER_DIR/data
MARKET_DATA_KEY=$(secret data_key)
DATABASE_URL=$(app_url "$PGBOUNCER_HOST" "$PGBOUNCER_PORT" "default_query_exec_mode=cache_describe&pool_max_conns=$MARKETD_POOL")
DATABASE_DIRECT_URL=$(app_url "$PG_PRIMARY_HOST" "$PG_PRIMARY_PORT")
DATABASE_READ_URL=$(app_url "$PG_REPLICA_HOST" "$PG_REPLICA_PORT")
MARKET_REPLICA_MAX_LAG=${MARKET_REPLICA_MAX_LAG:-2s}
REDIS_URL=redis+cluster://$(redis_seeds)
MARKET_TRUST_PROXY=true
MARKET_DRAIN_DELAY=${MARKET_DRAIN_DELAY:-2s}
MARKET_LOG_LEVEL=${MARKET_LOG_LEVEL:-info}
EOF
}

# start_node N: starts marketd node N in the background (its pid in
# $RUN/marketd-N.pid, its log in $LOGS/marketd-N.log).
start_node() {
	local n=$1 port
	port=$(echo "$MARKETD_PORTS" | cut -d' ' -f"$n")
	alive "$RUN/marketd-$n.pid" && return 0
	(
		while IFS='=' read -r k v; do export "$k=$v"; done < <(node_env "$n")
		exec "$CLUSTER_DIR/bin/marketd" >>"$LOGS/marketd-$n.log" 2>&1
	) &
	echo $! >"$RUN/marketd-$n.pid"
	wait_until 60 curl -fsS "http://$LISTEN:$port/readyz" || {
		echo "marketd $n did not become ready; tail of its log:" >&2
		tail -n 20 "$LOGS/marketd-$n.log" >&2
		return 1
	}
}

redis_pidfile() { echo "$RUN/redis-$1.pid"; }

# start_redis PORT: one cluster-enabled redis-server, nothing kept on disk
# but its cluster configuration.
start_redis() {
	local p=$1
	alive "$(redis_pidfile "$p")" && return 0
	mkdir -p "$CLUSTER_DIR/redis-$p"
	redis-server --port "$p" --bind "$LISTEN" --daemonize yes --pidfile "$(redis_pidfile "$p")" \
		--dir "$CLUSTER_DIR/redis-$p" --logfile "$LOGS/redis-$p.log" --save "" --appendonly no \
		--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1500 \
		--cluster-require-full-coverage no --protected-mode no >/dev/null
	wait_until 10 redis-cli -h "$LISTEN" -p "$p" ping
}

# haproxy_cfg prints HAProxy's configuration: every marketd node behind one
# frontend, checked on /readyz (internal/app's drain test runs it).
haproxy_cfg() {
	local n=0 p servers=""
	if [ -n "$MARKETD_NODES" ]; then
		for p in ${MARKETD_NODES//,/ }; do n=$((n + 1)); servers="$servers    server m$n $p check"$'\n'; done
	else
		for p in $MARKETD_PORTS; do n=$((n + 1)); servers="$servers    server m$n $LISTEN:$p check"$'\n'; done
	fi
	cat <<EOF
global
    maxconn 4096
    log stdout format raw local0 warning

defaults
    mode http
    log global
    option forwardfor
    option redispatch
    retries 3
    # Only what never reached a node is retried: a request a node may have
    # run is the client's to retry (with its Idempotency-Key).
    retry-on conn-failure
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 30s

frontend market
    bind $LISTEN:$HAPROXY_PORT
    default_backend marketd

backend marketd
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    # A node marked down (a draining one answers /readyz 503 on SIGTERM)
    # gets no new request, and finishes those it runs: no
    # on-marked-down shutdown-sessions, which would cut them off.
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
$servers
listen stats
    bind $LISTEN:$HAPROXY_STATS_PORT
    stats enable
    stats uri /
EOF
}
