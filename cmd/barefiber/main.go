// Command barefiber is the baseline of the HTTP load test
// (scripts/bench-http.sh): a Fiber handler that returns a fixed page of the
// size the script measured (the product page's), with nothing behind it.
package main

import (
	"flag"
	"log"
	"strings"

	"github.com/gofiber/fiber/v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	size := flag.Int("size", 20000, "bytes of HTML to answer with")
	flag.Parse()
	const head, tail = "<!doctype html><html><body>", "</body></html>"
	fill := max(*size-len(head)-len(tail), 0)
	page := head + strings.Repeat("扶", fill/3) + strings.Repeat(" ", fill%3) + tail // exactly size bytes
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/*", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(page)
	})
	log.Fatal(app.Listen(*addr))
}
