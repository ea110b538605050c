package site

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// MetricsServer serves /metrics on a listener of its own, apart from the
// public one: Prometheus scrapes it on a loopback or internal address
// (MARKET_METRICS_ADDR).
type MetricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// ServeMetrics listens on addr and serves h at /metrics (404 elsewhere)
// until Shutdown.
func ServeMetrics(addr string, h http.Handler, log *slog.Logger) (*MetricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s (MARKET_METRICS_ADDR; empty serves no metrics): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	m := &MetricsServer{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	return m, nil
}

// Addr is the address the metrics are served on.
func (m *MetricsServer) Addr() string { return m.ln.Addr().String() }

// Shutdown stops the listener, letting a scrape in flight finish.
func (m *MetricsServer) Shutdown(ctx context.Context) error { return m.srv.Shutdown(ctx) }
