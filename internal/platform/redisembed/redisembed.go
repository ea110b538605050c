// Package redisembed runs an in-process Redis (miniredis) for `make run` when
// REDIS_URL is unset, so that a developer needs no Redis server. It lives and
// dies with the process: sessions and rate-limit counters are lost on
// restart, which is fine for development.
package redisembed

import (
	"fmt"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// tick is how often the clock of miniredis is advanced to real time; keys
// expire at most this late.
const tick = time.Second

// Server is an in-process Redis listening on a free 127.0.0.1 port.
type Server struct {
	mr   *miniredis.Miniredis
	addr string // kept: miniredis panics on Addr after Close
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Start listens on a free 127.0.0.1 port and starts the clock that makes keys
// expire. Close releases both.
func Start() (*Server, error) {
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("redisembed: start: %w", err)
	}
	s := &Server{mr: mr, addr: mr.Addr(), stop: make(chan struct{}), done: make(chan struct{})}
	go s.clock()
	return s, nil
}

// clock advances miniredis by the real time elapsed. miniredis keeps TTLs as
// durations and only counts them down in FastForward, so without this no key
// would ever expire and the session and rate-limit TTLs would be ignored.
func (s *Server) clock() {
	defer close(s.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			now := time.Now()
			s.mr.FastForward(now.Sub(last))
			last = now
		}
	}
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// URL is a redis:// URL of database 0, for the same client setup as a real
// server.
func (s *Server) URL() string { return "redis://" + s.addr + "/0" }

// Close stops the clock and the server, dropping every key. Closing twice is
// harmless.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		s.mr.Close()
	})
}
