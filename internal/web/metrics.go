package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/platform/cache"
)

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry, db *pgxpool.Pool) *metrics {
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "market_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "market_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		reg.MustRegister(poolCollector(db)...)
	}
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// methodLabel is the method as a constant string. Fiber's c.Method()
// points into the request's buffer, which the next request on the
// connection overwrites; a label value kept by Prometheus must not (it
// turned "GET" into "GETT" under load, and /metrics then failed on
// duplicate series).
func methodLabel(m string) string {
	for _, known := range [...]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} {
		if m == known {
			return known
		}
	}
	return "OTHER"
}

// poolCollector exposes pgxpool statistics.
func poolCollector(db *pgxpool.Pool) []prometheus.Collector {
	gauge := func(name, help string, f func(*pgxpool.Stat) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return f(db.Stat()) })
	}
	counter := func(name, help string, f func(*pgxpool.Stat) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return f(db.Stat()) })
	}
	return []prometheus.Collector{
		gauge("market_db_pool_total_conns", "Connections in the pool.", func(s *pgxpool.Stat) float64 { return float64(s.TotalConns()) }),
		gauge("market_db_pool_acquired_conns", "Connections in use.", func(s *pgxpool.Stat) float64 { return float64(s.AcquiredConns()) }),
		gauge("market_db_pool_idle_conns", "Idle connections.", func(s *pgxpool.Stat) float64 { return float64(s.IdleConns()) }),
		gauge("market_db_pool_max_conns", "Pool size limit.", func(s *pgxpool.Stat) float64 { return float64(s.MaxConns()) }),
		counter("market_db_pool_acquire_total", "Connections acquired.", func(s *pgxpool.Stat) float64 { return float64(s.AcquireCount()) }),
		counter("market_db_pool_empty_acquire_total", "Acquires that waited for a connection.", func(s *pgxpool.Stat) float64 { return float64(s.EmptyAcquireCount()) }),
		counter("market_db_pool_acquire_seconds_total", "Time spent acquiring connections.", func(s *pgxpool.Stat) float64 { return s.AcquireDuration().Seconds() }),
	}
}

// MetricsHandler serves the metrics in Prometheus' text format. marketd
// serves it on a listener of its own (MARKET_METRICS_ADDR, loopback by
// default), never on the public one: the metrics name every route's traffic
// and the pool's state.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

// catalogCollectors exposes the page cache: whether the catalog's change
// listener is up (0: every cached read asks PostgreSQL for the change
// counter), and hits and misses (in memory or Redis).
func catalogCollectors(cat *catalog.Service, c *cache.Cache) []prometheus.Collector {
	var out []prometheus.Collector
	if cat != nil {
		out = append(out, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "market_catalog_listener_up",
			Help: "1 while catalog change notifications are followed (cache keys from memory)."},
			func() float64 {
				if cat.Listening() {
					return 1
				}
				return 0
			}))
	}
	if c != nil {
		out = append(out,
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "market_cache_hits_total", Help: "Cache lookups answered (Redis or memory)."},
				func() float64 { h, _ := c.Stats(); return float64(h) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "market_cache_misses_total", Help: "Cache lookups that missed or failed."},
				func() float64 { _, m := c.Stats(); return float64(m) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "market_cache_memory_hits_total", Help: "Hits served from the in-process copy (Redis sent only the version)."},
				func() float64 { h, _ := c.MemoryStats(); return float64(h) }))
	}
	return out
}
