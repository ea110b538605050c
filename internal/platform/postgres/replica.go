package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Reads routes reads that may be a little old (the catalog's pages, the
// offices' reports) to a streaming replica while its replay lag is under a
// bound, and to the primary otherwise. A buyer's own writes (orders, cart,
// receipts) are always read from the primary: their code never asks Reads.
//
// A monitor (Run) samples the primary's WAL position and then the replica's
// replayed position every Every. A replica that has replayed past the
// primary's position of the same round is caught up (lag 0): an idle
// primary does not make it look stale, as pg_last_xact_replay_timestamp
// alone would. Otherwise the lag is the time since the last transaction the
// replica replayed was committed. A replica that does not answer, or is no
// longer in recovery, is not used.
//
// The zero state, and a Reads without a replica, answer the primary.
type Reads struct {
	primary, replica *pgxpool.Pool
	maxLag           time.Duration
	every            time.Duration
	log              *slog.Logger
	state            atomic.Pointer[replicaState]
}

type replicaState struct {
	up       bool          // answered, in recovery
	lag      time.Duration // replay lag (0 when caught up)
	replayed LSN           // a lower bound of the replica's replayed position
	down     string        // why the replica is not up ("" when it is)
}

// LSN is a position in PostgreSQL's write-ahead log.
type LSN uint64

// ParseLSN reads the text form of pg_lsn ("16/B374D848").
func ParseLSN(s string) (LSN, error) {
	var hi, lo uint32
	if _, err := fmt.Sscanf(s, "%X/%X", &hi, &lo); err != nil {
		return 0, fmt.Errorf("parse lsn %q: %w", s, err)
	}
	return LSN(uint64(hi)<<32 | uint64(lo)), nil
}

// DefaultReplicaEvery is how often the monitor samples the replica.
const DefaultReplicaEvery = 100 * time.Millisecond

// NewReads routes reads between primary and replica (nil: always the
// primary), using the replica while its lag is at most maxLag.
func NewReads(primary, replica *pgxpool.Pool, maxLag time.Duration, log *slog.Logger) *Reads {
	if log == nil {
		log = slog.Default()
	}
	return &Reads{primary: primary, replica: replica, maxLag: maxLag, every: DefaultReplicaEvery, log: log}
}

// Primary is the primary's pool.
func (r *Reads) Primary() *pgxpool.Pool { return r.primary }

// HasReplica reports whether a replica is configured.
func (r *Reads) HasReplica() bool { return r != nil && r.replica != nil }

// usable is the replica's state when it may serve reads now.
func (r *Reads) usable() (*replicaState, bool) {
	if !r.HasReplica() {
		return nil, false
	}
	st := r.state.Load()
	if st == nil || !st.up || st.lag > r.maxLag {
		return nil, false
	}
	return st, true
}

// Pool is where a read that tolerates the lag bound goes: the replica when
// it is usable, else the primary.
func (r *Reads) Pool() *pgxpool.Pool {
	if _, ok := r.usable(); ok {
		return r.replica
	}
	return r.primary
}

// PoolAt is where a read that must see every commit up to the primary's
// position at goes: the replica when it is usable and has replayed that
// far (as last sampled), else the primary.
func (r *Reads) PoolAt(at LSN) *pgxpool.Pool {
	if st, ok := r.usable(); ok && st.replayed >= at {
		return r.replica
	}
	return r.primary
}

// Lag is the last sampled replay lag; ok is false when the replica did not
// answer (or none is configured).
func (r *Reads) Lag() (lag time.Duration, ok bool) {
	st := r.state.Load()
	if !r.HasReplica() || st == nil || !st.up {
		return 0, false
	}
	return st.lag, true
}

// Run samples the replica until ctx ends. It returns at once without a
// replica.
func (r *Reads) Run(ctx context.Context) {
	if !r.HasReplica() {
		return
	}
	t := time.NewTicker(r.every)
	defer t.Stop()
	wasUp := true
	for {
		st := r.sample(ctx)
		r.state.Store(&st)
		if st.up != wasUp && ctx.Err() == nil {
			r.log.Warn("replica reads", "usable", st.up && st.lag <= r.maxLag, "up", st.up, "lag", st.lag, "down", st.down)
			wasUp = st.up
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// notInRecovery is why a server that is not a standby is not read from: it
// is a primary, perhaps a promoted one.
const notInRecovery = "not in recovery"

// sample measures once: the primary's position first, then the replica's.
func (r *Reads) sample(ctx context.Context) replicaState {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var primaryText string
	if err := r.primary.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&primaryText); err != nil {
		return replicaState{down: "primary position: " + err.Error()}
	}
	const q = `SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '0/0'),
		coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)::float8`
	var recovering bool
	var replayedText string
	var since float64
	if err := r.replica.QueryRow(ctx, q).Scan(&recovering, &replayedText, &since); err != nil {
		return replicaState{down: "replica position: " + err.Error()}
	}
	if !recovering {
		return replicaState{down: notInRecovery}
	}
	primary, err1 := ParseLSN(primaryText)
	replayed, err2 := ParseLSN(replayedText)
	if err := errors.Join(err1, err2); err != nil {
		return replicaState{down: "positions: " + err.Error()}
	}
	return replicaState{up: true, lag: lagOf(primary, replayed, since), replayed: replayed}
}

// lagOf is the replay lag: none when the replica has replayed what the
// primary had written when sampled just before, else the age of the last
// replayed commit.
func lagOf(primary, replayed LSN, sinceLastReplay float64) time.Duration {
	if replayed >= primary {
		return 0
	}
	return time.Duration(math.Max(sinceLastReplay, 0) * float64(time.Second))
}

// Collectors export the replica's lag and whether reads go to it.
func (r *Reads) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "market_db_replica_lag_seconds",
			Help: "Replay lag of the read replica (-1: none configured or not answering)."},
			func() float64 {
				lag, ok := r.Lag()
				if !ok {
					return -1
				}
				return lag.Seconds()
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "market_db_replica_reads",
			Help: "1 while lag-tolerant reads go to the replica, 0 while they go to the primary."},
			func() float64 {
				if _, ok := r.usable(); ok {
					return 1
				}
				return 0
			}),
	}
}
