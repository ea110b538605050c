package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/skip2/go-qrcode"
)

// QR is a QR code, drawn as inline SVG: one path of dark modules, sharp
// at any size, no image request, and allowed by the strict CSP.
type QR struct{ bits [][]bool }

// NewQR encodes text (a URL) with medium error correction.
func NewQR(text string) (QR, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return QR{}, err
	}
	return QR{bits: q.Bitmap()}, nil
}

// Size is the code's side in modules, quiet zone included.
func (q QR) Size() int { return len(q.bits) }

// SVG draws the code; label is its accessible name.
func (q QR) SVG(label string) template.HTML {
	n := len(q.bits)
	var d strings.Builder
	for y, row := range q.bits {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	return template.HTML(fmt.Sprintf(`<svg class="qr-code" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path d="%s" fill="#1f2a1f"/></svg>`,
		n, n, svgEsc(label), n, n, d.String()))
}
