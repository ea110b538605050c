package shop

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/web"
)

// cardFont is the system font stack for the shared card's text.
const cardFont = `'PingFang SC', 'Hiragino Sans GB', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'Noto Naskh Arabic', system-ui, sans-serif`

// receiptSVG draws the receipt as a 640×420 card: the sum and who it
// reached, up to four counties as bars, and a QR code to the receipt.
func receiptSVG(p web.Page, im attribution.Impact, url string) (string, error) {
	qr, err := web.NewQR(url)
	if err != nil {
		return "", err
	}
	esc := template.HTMLEscapeString
	// The card's lines start at its left margin. Anchored at their start,
	// right-to-left lines (Uyghur) would run from there off the card's left
	// edge: they are anchored at their end, which is then their left.
	lead := ` text-anchor="start"`
	if p.Dir == "rtl" {
		lead = ` text-anchor="end"`
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 420" width="640" height="420" font-family="%s" lang="%s" direction="%s">`,
		cardFont, p.Lang, p.Dir)
	b.WriteString(`<rect width="640" height="420" rx="16" fill="#f1f7ee"/><rect x="0" y="0" width="640" height="8" fill="#2f6b3a"/>`)
	fmt.Fprintf(&b, `<text x="32" y="52" font-size="22" font-weight="bold" fill="#2f6b3a"`+lead+`>%s</text>`, esc(p.T("site.name")+" · "+p.T("receipt.title")))
	if im.AmountFen > 0 {
		fmt.Fprintf(&b, `<text x="32" y="112" font-size="44" font-weight="bold" fill="#a3361f"`+lead+`>¥%s</text>`, money.GroupedYuan(im.AmountFen))
		fmt.Fprintf(&b, `<text x="32" y="146" font-size="18" fill="#1f2a1f"`+lead+`>%s</text>`,
			esc(p.T("count.households", im.Households)+" · "+p.T("count.villages", im.Villages)+" · "+p.T("count.counties", len(im.Counties))))
	} else {
		note := "receipt.pending"
		if im.TakenBack {
			note = "receipt.taken_back"
		}
		fmt.Fprintf(&b, `<text x="32" y="120" font-size="18" fill="#1f2a1f"`+lead+`>%s</text>`, esc(p.T(note)))
	}
	var top int64 = 1
	for _, ct := range im.Counties {
		top = max(top, ct.AmountFen)
	}
	for i, ct := range im.Counties {
		if i == 4 {
			break
		}
		y := 180 + i*48
		w := 260 * ct.AmountFen / top
		fmt.Fprintf(&b, `<text x="32" y="%d" font-size="16" fill="#1f2a1f"`+lead+`>%s</text>`, y+16, esc(ct.NameIn(p.Lang)))
		fmt.Fprintf(&b, `<rect x="32" y="%d" width="260" height="12" rx="6" fill="#dbe8d5"/><rect x="32" y="%d" width="%d" height="12" rx="6" fill="#2f6b3a"/>`, y+24, y+24, max(w, 4))
		fmt.Fprintf(&b, `<text x="304" y="%d" font-size="15" fill="#5b6b5b"`+lead+`>¥%s · %s</text>`, y+35, money.GroupedYuan(ct.AmountFen), esc(p.T("impact.households", ct.Households)))
	}
	fmt.Fprintf(&b, `<g transform="translate(468 200) scale(%.3f)">%s</g>`, 140.0/float64(qr.Size()), qr.SVG(p.T("receipt.qr_alt")))
	fmt.Fprintf(&b, `<text x="538" y="362" font-size="12" text-anchor="middle" fill="#5b6b5b">%s</text>`, esc(p.T("receipt.scan")))
	fmt.Fprintf(&b, `<text x="32" y="400" font-size="12" fill="#5b6b5b"`+lead+`>%s</text>`, esc(p.T("receipt.note")))
	b.WriteString(`</svg>`)
	return b.String(), nil
}
