package shop

import (
	"errors"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/web"
)

// mediaFile serves an uploaded image or thumbnail. Names are content
// hashes, so a name's bytes never change: cache for a year.
func (s handlers) mediaFile(c *fiber.Ctx) error {
	name := c.Params("name")
	if !media.ValidName(name) {
		return fiber.ErrNotFound
	}
	r, size, err := s.Catalog.Media().Open(web.Ctx(c), name)
	if errors.Is(err, media.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderETag, `"`+strings.SplitN(name, ".", 2)[0]+`"`)
	c.Type(strings.TrimPrefix(path.Ext(name), "."))
	return c.SendStream(r, int(size))
}

// traceQR draws the QR code of a lot's public trace page. ?download=1
// offers it as a file for printing.
func (s handlers) traceQR(c *fiber.Ctx) error {
	t, err := s.Trace(c, c.Params("code"))
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(s.AbsoluteURL(catalog.TracePath(t.TraceCode)), qrcode.Medium, 512)
	if err != nil {
		return err
	}
	if c.Query("download") != "" {
		c.Attachment("trace-" + t.TraceCode + ".png")
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Type("png")
	return c.Send(png)
}
