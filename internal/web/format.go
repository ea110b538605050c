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
		"inc":       func(i int) int { return i + 1 },
		"dict":      dict,
		"yuan":      money.Yuan,
		"hasPrefix": strings.HasPrefix,
		"upper":     strings.ToUpper,
		"field":     formField,
		"ltr":       LTR,
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
	case *int64: // an optional amount, shown inside {{with}}
		if n == nil {
			return 0
		}
		return *n
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

// dict makes a map of key, value pairs: a partial that needs the page and
// a part of its data receives both (dict "P" $ "C" .Data.Card).
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("dict needs key, value pairs")
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", pairs[i])
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}
