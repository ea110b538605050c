// Command barefiber is the baseline of the HTTP load test
// (scripts/bench-http.sh): a Fiber handler that returns a fixed page of the
// size the script measured (the product page's), with nothing behind it but
// what production does for every request anyway: marketd's server settings
// (its write buffer) and an access-log line through marketd's logger at
// info, with the same attributes. The ratio then measures what serving a
// page costs beyond that, not the logging both do.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/app"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	size := flag.Int("size", 20000, "bytes of HTML to answer with")
	level := flag.String("log-level", "info", "access log level (marketd's production setting is info)")
	flag.Parse()
	const head, tail = "<!doctype html><html><body>", "</body></html>"
	fill := max(*size-len(head)-len(tail), 0)
	page := head + strings.Repeat("扶", fill/3) + strings.Repeat(" ", fill%3) + tail // exactly size bytes
	logger, closeLog := app.NewServiceLogger(*level)
	defer closeLog()
	srv := fiber.New(fiber.Config{DisableStartupMessage: true, WriteBufferSize: 32 << 10})
	var requests atomic.Uint64
	srv.Use(func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		logger.LogAttrs(context.Background(), slog.LevelInfo, "http", slog.String("method", c.Method()),
			slog.String("path", c.Path()), slog.String("route", "/*"), slog.Int("status", c.Response().StatusCode()),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000), slog.Int("bytes", len(c.Response().Body())),
			slog.String("ip", c.IP()), slog.String("request_id", "bare-"+strconv.FormatUint(requests.Add(1), 10)))
		return err
	})
	srv.Get("/*", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(page)
	})
	log.Fatal(srv.Listen(*addr))
}
