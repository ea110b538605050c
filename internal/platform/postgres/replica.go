package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Reads routes reads that may be a little old (the catalog's pages) to a
// streaming replica while its replay lag is under a bound, and to the
// primary otherwise; Fresh routes reads that must see every commit made
// before them (the offices' reports, read right after an office's own
// import, on whichever node) to the replica only once it has replayed that
// far. A buyer's own writes (orders, cart, receipts) are always read from
// the primary: their code never asks Reads.
//
// A monitor (Run) samples the primary's WAL position and then the replica's
// replayed position every Every, and keeps the primary's recent positions
// with the time each was asked for. Every commit made before such a time is
// at or below its position, so a replica that has replayed past it holds
// every commit up to that time: the lag is the time since the newest such
// sample (0 when the replica has replayed this round's position), or the
// age of the last commit it replayed when that is less. An idle primary
// therefore does not make a replica look stale (as the age of its last
// replayed commit alone would, the moment the primary writes again after a
// quiet spell), and a replica that is behind every position sampled and has
// replayed no commit since it started (pg_last_xact_replay_timestamp is
// null: restarted, and not streaming) has a lag nobody can tell, and is not
// used. A replica that does not answer, is no longer in recovery, or is a
// standby of another cluster than the primary, is not used either.
//
// The zero state, and a Reads without a replica, answer the primary.
type Reads struct {
	primary, replica *pgxpool.Pool
	maxLag           time.Duration
	every            time.Duration
	freshWait        time.Duration
	log              *slog.Logger
	state            atomic.Pointer[replicaState]
	history          []position // the primary's recent positions, oldest first (Run's goroutine)
}

// position is the primary's WAL position as read by a query sent at at:
// every commit acknowledged before at lies at or below lsn.
type position struct {
	at  time.Time
	lsn LSN
}

type replicaState struct {
	up         bool          // answered, in recovery
	lag        time.Duration // replay lag (0 when caught up)
	lagUnknown bool          // behind, and by how long cannot be told: not used
	replayed   LSN           // a lower bound of the replica's replayed position
	down       string        // why the replica is not up ("" when it is)
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

// DefaultFreshWait is how long Fresh waits at most for the replica to
// replay the primary's position before it answers the primary: a streaming
// replica usually replays a commit within a millisecond or two.
const DefaultFreshWait = 20 * time.Millisecond

// NewReads routes reads between primary and replica (nil: always the
// primary), using the replica while its lag is at most maxLag.
func NewReads(primary, replica *pgxpool.Pool, maxLag time.Duration, log *slog.Logger) *Reads {
	if log == nil {
		log = slog.Default()
	}
	return &Reads{primary: primary, replica: replica, maxLag: maxLag, every: DefaultReplicaEvery,
		freshWait: DefaultFreshWait, log: log}
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
	if st == nil || !st.up || st.lagUnknown || st.lag > r.maxLag {
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

// Fresh is where a read that must see every commit made before it goes
// (a report: the office may have imported households or edited one a
// moment ago, through this node or another): the replica when it is usable
// and has replayed the primary's position read now, else the primary. It
// costs a round trip to the primary and, unless the last sample already
// shows the replica there, one or a few to the replica, waiting at most
// DefaultFreshWait for it to replay that far. Call it once per report and
// read everything the report shows from the pool it returns.
func (r *Reads) Fresh(ctx context.Context) *pgxpool.Pool {
	if _, ok := r.usable(); !ok {
		return r.primary
	}
	at, err := walPosition(ctx, r.primary)
	if err != nil {
		return r.primary
	}
	if st, ok := r.usable(); ok && st.replayed >= at {
		return r.replica
	}
	deadline := time.Now().Add(r.freshWait)
	for pause := 500 * time.Microsecond; ; pause *= 2 {
		replayed, ok := replayPosition(ctx, r.replica)
		if !ok {
			return r.primary
		}
		if replayed >= at {
			if _, ok := r.usable(); ok {
				return r.replica
			}
			return r.primary
		}
		if time.Now().Add(pause).After(deadline) {
			return r.primary
		}
		select {
		case <-ctx.Done():
			return r.primary
		case <-time.After(pause):
		}
	}
}

// replayPosition is how far the replica has replayed; ok is false when it
// does not answer or is not in recovery.
func replayPosition(ctx context.Context, db *pgxpool.Pool) (LSN, bool) {
	var text *string
	const q = `SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END`
	if err := db.QueryRow(ctx, q).Scan(&text); err != nil || text == nil {
		return 0, false
	}
	lsn, err := ParseLSN(*text)
	return lsn, err == nil
}

// walPosition is the primary's WAL insert position: past every commit
// made so far, written to disk or not yet (synchronous_commit off), so that
// a replica that has replayed it has replayed them all.
func walPosition(ctx context.Context, db *pgxpool.Pool) (LSN, error) {
	var text string
	if err := db.QueryRow(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&text); err != nil {
		return 0, err
	}
	return ParseLSN(text)
}

// unknownLag is what Lag answers for a replica that is behind by a time
// nobody can tell.
const unknownLag = time.Duration(math.MaxInt64)

// Lag is the last sampled replay lag; ok is false when the replica did not
// answer (or none is configured). A replica behind by a time that cannot
// be told has the longest Duration.
func (r *Reads) Lag() (lag time.Duration, ok bool) {
	st := r.state.Load()
	if !r.HasReplica() || st == nil || !st.up {
		return 0, false
	}
	if st.lagUnknown {
		return unknownLag, true
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
	wasUp, wasUnknown := true, false
	for {
		st := r.sample(ctx)
		r.state.Store(&st)
		if (st.up != wasUp || st.lagUnknown != wasUnknown) && ctx.Err() == nil {
			_, usable := r.usable()
			r.log.Warn("replica reads", "usable", usable, "up", st.up, "lag", st.lag, "lag_unknown", st.lagUnknown, "down", st.down)
			wasUp, wasUnknown = st.up, st.lagUnknown
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

// notOurs is why a standby of another cluster (another system identifier)
// is not read from: its positions say nothing of the primary's.
const notOurs = "a standby of another cluster than the primary"

// sample measures once: the primary's position first, then the replica's.
// It keeps the primary's positions (Run calls it from one goroutine).
func (r *Reads) sample(ctx context.Context) replicaState {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	asked := time.Now()
	const qp = `SELECT pg_current_wal_lsn()::text, (SELECT system_identifier FROM pg_control_system())::text`
	var primaryText, primarySystem string
	if err := r.primary.QueryRow(ctx, qp).Scan(&primaryText, &primarySystem); err != nil {
		return replicaState{down: "primary position: " + err.Error()}
	}
	primary, err := ParseLSN(primaryText)
	if err != nil {
		return replicaState{down: "primary position: " + err.Error()}
	}
	r.remember(position{at: asked, lsn: primary})
	const q = `SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '0/0'),
		extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,
		(SELECT system_identifier FROM pg_control_system())::text`
	var recovering bool
	var replayedText, system string
	var since *float64 // null: no commit replayed since the replica started
	if err := r.replica.QueryRow(ctx, q).Scan(&recovering, &replayedText, &since, &system); err != nil {
		return replicaState{down: "replica position: " + err.Error()}
	}
	if !recovering {
		return replicaState{down: notInRecovery}
	}
	if system != primarySystem {
		return replicaState{down: notOurs}
	}
	replayed, err := ParseLSN(replayedText)
	if err != nil {
		return replicaState{down: "positions: " + err.Error()}
	}
	lag, known := lagOf(r.history, replayed, since, time.Now())
	return replicaState{up: true, lag: lag, lagUnknown: !known, replayed: replayed}
}

// remember adds the primary's position to the history and forgets the
// positions older than any lag worth telling apart from "over the bound".
// An unchanged position keeps only its newest time: it tells the most.
func (r *Reads) remember(p position) {
	if n := len(r.history); n > 0 && r.history[n-1].lsn == p.lsn {
		r.history[n-1].at = p.at
	} else {
		r.history = append(r.history, p)
	}
	keep := max(4*r.maxLag, 10*time.Second)
	i := 0
	for i < len(r.history)-1 && p.at.Sub(r.history[i].at) > keep {
		i++
	}
	r.history = r.history[i:]
}

// lagOf is how far behind a replica that has replayed up to replayed is,
// given the primary's positions (oldest first, the last one read just
// before) and the age of the replica's last replayed commit (nil: none
// since it started). The replica holds every commit made before the newest
// position it has reached; it also holds every commit made before the one
// it replayed last. Either gives the time it may be missing; the shorter
// is the lag. ok is false when neither is known: the replica is behind
// every position remembered and has replayed no commit since it started.
func lagOf(history []position, replayed LSN, sinceLastReplay *float64, now time.Time) (lag time.Duration, ok bool) {
	if n := len(history); n > 0 && replayed >= history[n-1].lsn {
		return 0, true
	}
	for i := len(history) - 1; i >= 0; i-- {
		if replayed >= history[i].lsn {
			lag, ok = max(now.Sub(history[i].at), 0), true
			break
		}
	}
	if sinceLastReplay != nil {
		commit := time.Duration(math.Max(*sinceLastReplay, 0) * float64(time.Second))
		if !ok || commit < lag {
			lag, ok = commit, true
		}
	}
	return lag, ok
}

// Collectors export the replica's lag and whether reads go to it.
func (r *Reads) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "market_db_replica_lag_seconds",
			Help: "Replay lag of the read replica (-1: none configured or not answering; +Inf: behind by a time that cannot be told)."},
			func() float64 {
				lag, ok := r.Lag()
				switch {
				case !ok:
					return -1
				case lag == unknownLag:
					return math.Inf(1)
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
