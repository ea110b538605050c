package web

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/textenc"
)

// Text input is checked once, here, before any handler: a NUL or another
// control character (or invalid UTF-8) in the path, a query parameter or a
// form value is a 400 naming the field. Form values may hold tabs and line
// breaks (text areas); paths and query parameters may not. JSON bodies are
// checked by BindJSON. The domain then checks each of its text fields,
// refusing line breaks where a field is one line.

func controlError(field string) error {
	return &errs.Error{Kind: errs.Invalid, Message: "the request holds control characters",
		Fields: map[string]string{field: textenc.ControlReason}}
}

// refuseControlCharacters is the middleware of the check above.
func refuseControlCharacters(c *fiber.Ctx) error {
	path, err := url.PathUnescape(string(c.Request().URI().PathOriginal()))
	if err != nil || !textenc.Clean(path, false) {
		return controlError("path")
	}
	var bad string
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if bad == "" && (!textenc.Clean(string(k), false) || !textenc.Clean(string(v), false)) {
			bad = fieldName(string(k))
		}
	})
	if bad != "" {
		return controlError(bad)
	}
	if bad = badFormField(c); bad != "" {
		return controlError(bad)
	}
	return c.Next()
}

// badFormField names the first form field (URL-encoded or multipart, files
// aside) holding control characters other than tabs and line breaks.
func badFormField(c *fiber.Ctx) string {
	mt, params, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	var bad string
	switch mt {
	case fiber.MIMEApplicationForm:
		c.Request().PostArgs().VisitAll(func(k, v []byte) {
			if bad == "" && (!textenc.Clean(string(k), false) || !textenc.Clean(string(v), true)) {
				bad = fieldName(string(k))
			}
		})
	case fiber.MIMEMultipartForm:
		bad = badMultipartField(c.Body(), params["boundary"])
	}
	return bad
}

// maxFormValue bounds what is read of one multipart value here; longer
// values are the handlers' to refuse.
const maxFormValue = 64 << 10

// badMultipartField scans the parts of a multipart body, skipping files
// (their content is the importers' to check), and names the first value
// holding control characters. A malformed body is left to the handler that
// reads the upload, which answers it.
func badMultipartField(body []byte, boundary string) string {
	if boundary == "" {
		return ""
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err != nil {
			return ""
		}
		if part.FileName() != "" {
			continue
		}
		v, _ := io.ReadAll(io.LimitReader(part, maxFormValue))
		if k := part.FormName(); !textenc.Clean(k, false) || !textenc.Clean(string(v), true) {
			return fieldName(k)
		}
	}
}

// fieldName is a field's name fit for a message: one with control
// characters of its own is "query".
func fieldName(k string) string {
	if !textenc.Clean(k, false) {
		return "query"
	}
	return k
}

// badJSONString names, as a JSON path (shipping_address.name, items[0].note),
// the first string in v holding control characters other than tabs and line
// breaks; "" when there is none.
func badJSONString(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return badJSONString(v.Elem(), path)
	case reflect.String:
		if !textenc.Clean(v.String(), true) {
			return path
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				name = strings.TrimSuffix(path, ".")
			} else {
				name = join(path, name)
			}
			if bad := badJSONString(v.Field(i), name); bad != "" {
				return bad
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "" // []byte and json.RawMessage are not text
		}
		for i := range v.Len() {
			if bad := badJSONString(v.Index(i), path+"["+strconv.Itoa(i)+"]"); bad != "" {
				return bad
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			if k.Kind() == reflect.String && !textenc.Clean(k.String(), false) {
				return join(path, "key")
			}
			if bad := badJSONString(it.Value(), join(path, k.String())); bad != "" {
				return bad
			}
		}
	}
	return ""
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
