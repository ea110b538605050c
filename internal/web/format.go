package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/fupinmarket/market/internal/platform/money"
)

// funcs are the template functions; money and numbers come from package
// money, so a page and an export write a figure the same way.
func (r *Renderer) funcs() template.FuncMap {
	return template.FuncMap{
		"static":    r.staticURL,
		"yuan":      money.Yuan,
		"hasPrefix": strings.HasPrefix,
		"upper":     strings.ToUpper,
		"field":     formField,
		"num":       func(v any) string { return money.Group(anyInt(v)) },
		"money":     func(v any) string { return money.GroupedYuan(anyInt(v)) },
		"pct":       func(part, whole any) string { return money.Percent(anyInt(part), anyInt(whole)) },
	}
}

// anyInt accepts the integer types templates pass.
func anyInt(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case int32:
		return int64(n)
	case uint32:
		return int64(n)
	case fmt.Stringer:
		i, _ := strconv.ParseInt(n.String(), 10, 64)
		return i
	}
	return 0
}
