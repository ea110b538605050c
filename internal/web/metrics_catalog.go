package web

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/platform/cache"
)

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
