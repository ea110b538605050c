package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// PathID parses the path parameter param as an id; a malformed id is a 404
// with message notFound ("order not found"), as an unknown one is.
func PathID(c *fiber.Ctx, param, notFound string) (int64, error) {
	id, ok := ids.Parse(c.Params(param))
	if !ok {
		return 0, errs.E(errs.NotFound, "%s", notFound)
	}
	return int64(id), nil
}

// OrderID is the :id of an order route.
func OrderID(c *fiber.Ctx) (int64, error) { return PathID(c, "id", "order not found") }

// RequestedOrder reads the order the route names, as the actor may see it
// (404 otherwise).
func (s *Server) RequestedOrder(c *fiber.Ctx) (order.Order, error) {
	id, err := OrderID(c)
	if err != nil {
		return order.Order{}, err
	}
	return s.Orders.Get(Ctx(c), ActorOf(c), id)
}

// YearParam reads ?year= of a report; this year (Beijing time) when absent.
func (s *Server) YearParam(c *fiber.Ctx) (int, error) {
	v := c.Query("year")
	if v == "" {
		return s.Clock.Year(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, &errs.Error{Kind: errs.Invalid, Message: "invalid query", Fields: map[string]string{"year": "must be a year between 2000 and 2100"}}
	}
	return y, nil
}

// QueryLimit reads ?limit= (0 when absent; the domain applies its default
// and bounds).
func QueryLimit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &errs.Error{Kind: errs.Invalid, Message: "invalid query", Fields: map[string]string{"limit": "must be a whole number"}}
	}
	return n, nil
}

// ErrMalformedUpload is a multipart body cut short or broken.
var ErrMalformedUpload = errs.E(errs.Invalid, "malformed multipart body")

// Part reads one multipart part and remembers the first error other than
// io.EOF: a body cut short or a broken boundary.
type Part struct {
	r   io.Reader
	err error
}

func (p *Part) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && !errors.Is(err, io.EOF) && p.err == nil {
		p.err = err
	}
	return n, err
}

// UploadPart finds the part named field of a multipart/form-data body,
// streamed from the body Fiber has read whole (BodyLimit bounds it). A body
// that is not multipart, is malformed or lacks the part is a 400.
func UploadPart(c *fiber.Ctx, field string) (*Part, error) {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, &errs.Error{Kind: errs.Invalid, Message: "send the file as multipart/form-data",
			Fields: map[string]string{field: "required"}}
	}
	mr := multipart.NewReader(bytes.NewReader(c.Body()), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, &errs.Error{Kind: errs.Invalid, Message: "no file uploaded",
				Fields: map[string]string{field: "required"}}
		}
		if err != nil {
			return nil, ErrMalformedUpload
		}
		if p.FormName() == field {
			return &Part{r: p}, nil
		}
	}
}

// ImageUpload reads the multipart image field name, refusing files over the
// media limit before reading them.
func ImageUpload(c *fiber.Ctx, name string) ([]byte, error) {
	return FileUpload(c, name, media.MaxBytes)
}

// FileUpload reads the multipart file field name, refusing one over max
// bytes (5 MB for images and invoices) before reading it.
func FileUpload(c *fiber.Ctx, name string, max int64) ([]byte, error) {
	fh, err := c.FormFile(name)
	if err != nil {
		return nil, errs.Validation("a file is required", map[string]string{name: "required (multipart/form-data)"})
	}
	if fh.Size > max {
		return nil, &errs.Error{Kind: errs.TooLarge, Message: fmt.Sprintf("the file is larger than %d MB", max>>20),
			Fields: map[string]string{name: fmt.Sprintf("must be at most %d MB", max>>20)}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

// Upload streams the part named field of a multipart upload into use. A
// body that ends or breaks inside the part is the client's fault, whatever
// use made of the short read.
func Upload[T any](c *fiber.Ctx, field string, use func(io.Reader) (T, error)) (T, error) {
	var zero T
	part, err := UploadPart(c, field)
	if err != nil {
		return zero, err
	}
	out, err := use(part)
	if part.err != nil {
		return zero, ErrMalformedUpload
	}
	return out, err
}
