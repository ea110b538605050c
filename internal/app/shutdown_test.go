package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/web/site"
)

// TestGracefulShutdownDrains shows that a request in flight when shutdown
// begins still gets its full answer, while new connections are refused.
func TestGracefulShutdownDrains(t *testing.T) {
	s := startSlow(t)
	h, ln, entered, release := s.app.HTTP, s.ln, s.entered, s.release
	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-entered
	done := make(chan error, 1)
	go func() { done <- h.ShutdownWithContext(context.Background()) }()
	eventually(t, "listener closed", func() bool {
		conn, err := net.DialTimeout("tcp", ln.Addr().String(), 100*time.Millisecond)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	select {
	case <-done:
		t.Fatal("shutdown returned while a request was in flight")
	default:
	}
	close(release)
	r := <-got
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// slowServer is the service serving on a port of its own, with one more
// route, /test/slow, that answers "finished" once release is closed,
// entered being closed when a request reaches it.
type slowServer struct {
	app              *site.App
	ln               net.Listener
	entered, release chan struct{}
}

func startSlow(t *testing.T) slowServer {
	t.Helper()
	db := dbtest.New(t)
	rdb, prefix := dbtest.Redis(t)
	a, err := site.New(testConfig(t, prefix), db.Pool, rdb, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := slowServer{app: a, entered: make(chan struct{}), release: make(chan struct{})}
	a.HTTP.Get("/test/slow", func(c *fiber.Ctx) error {
		close(s.entered)
		<-s.release
		return c.SendString("finished")
	})
	if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	go a.HTTP.Listener(s.ln)
	return s
}
