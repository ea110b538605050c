// Command barefiber is the baseline of the HTTP load test
// (scripts/bench-http.sh): a Fiber handler that returns a fixed page of the
// same size as the storefront's, with nothing behind it.
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
	page := "<!doctype html><html><body>" + strings.Repeat("扶", *size/3) + "</body></html>"
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/*", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(page)
	})
	log.Fatal(app.Listen(*addr))
}
