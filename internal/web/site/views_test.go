package site_test

import (
	"html/template"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web"
	"github.com/fupinmarket/market/internal/web/admin"
	coopweb "github.com/fupinmarket/market/internal/web/coop"
	"github.com/fupinmarket/market/internal/web/office"
	"github.com/fupinmarket/market/internal/web/org"
	shopweb "github.com/fupinmarket/market/internal/web/shop"
)

// allViews is every page template with the view model its handler renders it
// with.
func allViews() map[string]any {
	views := map[string]any{"error": web.ErrorView{}}
	for _, m := range []map[string]any{shopweb.Views(), coopweb.Views(), office.Views(), org.Views(), admin.Views()} {
		maps.Copy(views, m)
	}
	return views
}

// TestEveryPageRendersWithItsViewModel checks the templates against the
// typed page data: each page is rendered with its view model empty and with
// every field set (so that both sides of most conditions run), in both
// languages, for a visitor and for an account holding every role. A
// template naming a field its model lacks, or calling a function with the
// wrong type, fails here rather than in front of a user.
func TestEveryPageRendersWithItsViewModel(t *testing.T) {
	r, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	views := allViews()
	if got, want := slices.Sorted(maps.Keys(views)), slices.Sorted(slices.Values(web.PageTemplates())); !slices.Equal(got, want) {
		t.Fatalf("view models for %v, templates %v", got, want)
	}
	everyRole := auth.Actor{UserID: 1, Name: "x", Roles: []auth.Role{auth.RoleBuyer, auth.RoleBuyerOrgAdmin,
		auth.RoleCoopAdmin, auth.RoleOffice, auth.RolePlatformAdmin}, CooperativeID: 1, BuyerOrgID: 1, OfficeRegion: "653224"}
	for name, model := range views {
		for _, filled := range []bool{false, true} {
			data := model
			if filled {
				data = fill(reflect.TypeOf(model)).Interface()
			}
			for _, lang := range web.Languages {
				for _, actor := range []auth.Actor{{}, everyRole} {
					p := web.Page{Lang: lang, Title: "t", Path: "/", Actor: actor, CSRF: "c", Data: data}
					b, err := r.Render(name, p)
					if err != nil {
						t.Errorf("%s (filled %v, %s, roles %v): %v", name, filled, lang, actor.Roles, err)
						continue
					}
					if strings.Contains(string(b), "%!") {
						t.Errorf("%s (filled %v, %s): a formatting error: %s", name, filled, lang, excerpt(b, "%!"))
					}
				}
			}
		}
	}
}

func excerpt(b []byte, at string) string {
	s := string(b)
	i := strings.Index(s, at)
	return s[max(0, i-80):min(len(s), i+80)]
}

var (
	timeType = reflect.TypeOf(time.Time{})
	htmlType = reflect.TypeOf(template.HTML(""))
)

// fill makes a value of type t with every field set: strings "x", numbers
// 1, true, one element in each slice and map, pointers to filled values,
// times at a fixed instant.
func fill(t reflect.Type) reflect.Value {
	return fillDepth(t, 0)
}

func fillDepth(t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	if depth > 6 {
		return v
	}
	switch {
	case t == timeType:
		v.Set(reflect.ValueOf(time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)))
		return v
	case t == htmlType:
		v.SetString("<svg></svg>")
		return v
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.Pointer:
		v.Set(fillDepth(t.Elem(), depth+1).Addr())
	case reflect.Slice:
		s := reflect.MakeSlice(t, 1, 1)
		s.Index(0).Set(fillDepth(t.Elem(), depth+1))
		v.Set(s)
	case reflect.Array:
		for i := 0; i < t.Len(); i++ {
			v.Index(i).Set(fillDepth(t.Elem(), depth+1))
		}
	case reflect.Map:
		m := reflect.MakeMap(t)
		m.SetMapIndex(fillDepth(t.Key(), depth+1), fillDepth(t.Elem(), depth+1))
		v.Set(m)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() {
				v.Field(i).Set(fillDepth(f.Type, depth+1))
			}
		}
	}
	return v
}
