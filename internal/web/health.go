package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz reports whether PostgreSQL and Redis both answer; 503 otherwise.
func (s *Server) readyz(c *fiber.Ctx) error {
	cx, cancel := context.WithTimeout(Ctx(c), 2*time.Second)
	defer cancel()
	if s.draining.Load() {
		// Shutting down: the load balancer stops sending new requests while
		// those in flight finish (Drain).
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "draining"})
	}
	checks := fiber.Map{"postgres": "ok", "redis": "ok"}
	ready := true
	if err := s.DB.Ping(cx); err != nil {
		checks["postgres"], ready = "unreachable", false
	}
	if err := s.Redis.Ping(cx).Err(); err != nil {
		checks["redis"], ready = "unreachable", false
	}
	if !ready {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "checks": checks})
	}
	return c.JSON(fiber.Map{"status": "ok", "checks": checks})
}

// Drain makes /readyz answer 503 from now on, so that a load balancer
// checking it stops sending new requests before the server shuts down.
func (s *Server) Drain() { s.draining.Store(true) }
