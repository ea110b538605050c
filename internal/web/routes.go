package web

// Routes are the core's own: probes, static files and the language switch.
// Metrics are not served here but on a listener of their own
// (MetricsHandler, MARKET_METRICS_ADDR). Everything else is an audience's
// (see package site for the order they are mounted in).
func (s *Server) Routes() {
	app := s.app
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/static/:name", s.staticFile)
	app.Get("/lang/:lang", s.switchLanguage)
}
