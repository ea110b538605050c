package web

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/fupinmarket/market/storefront"
)

// The locale catalogs are kept in step by these tests: every catalog has
// every key; English and Uyghur differ from Chinese except the proper
// nouns and codes listed in locales/proper_nouns.json; and a message's
// placeholders are the same in every language (same arguments, same verbs),
// so that fmt never prints %!d(string=…) in one language only.

func loadCatalogs(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, lang := range Languages {
		out[lang] = readJSON(t, "locales/"+lang+".json")
	}
	return out
}

func readJSON(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(storefront.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestEveryLanguageHasACatalogAndEveryCatalogALanguage(t *testing.T) {
	files, _ := fs.Glob(storefront.FS, "locales/*.json")
	for _, f := range files {
		lang := strings.TrimSuffix(strings.TrimPrefix(f, "locales/"), ".json")
		if lang != "proper_nouns" && !slices.Contains(Languages, lang) {
			t.Errorf("%s is not in web.Languages", f)
		}
	}
	for _, lang := range Languages {
		if _, err := fs.Stat(storefront.FS, "locales/"+lang+".json"); err != nil {
			t.Errorf("language %s has no catalog: %v", lang, err)
		}
		if LanguageNames[lang] == "" {
			t.Errorf("language %s has no name in LanguageNames", lang)
		}
	}
}

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	cats := loadCatalogs(t)
	for _, a := range Languages {
		for _, b := range Languages {
			if a == b {
				continue
			}
			var missing []string
			for k := range cats[a] {
				if _, ok := cats[b][k]; !ok {
					missing = append(missing, k)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%s.json lacks %d keys that %s.json has: %q", b, len(missing), a, missing)
			}
		}
	}
}

func TestTranslationsDifferFromChineseExceptProperNouns(t *testing.T) {
	cats := loadCatalogs(t)
	zh := cats[Languages[0]]
	proper := readJSON(t, "locales/proper_nouns.json")
	for k := range proper {
		if _, ok := zh[k]; !ok {
			t.Errorf("proper_nouns.json lists %q, which no catalog has", k)
		}
	}
	for _, lang := range Languages[1:] {
		for k, v := range zh {
			if t2, ok := cats[lang][k]; ok && t2 == v {
				if _, listed := proper[k]; !listed {
					t.Errorf("%s: %q is the Chinese text %q; translate it or list it in proper_nouns.json", lang, k, v)
				}
			}
		}
		for k, v := range cats[lang] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", lang, k)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

// placeholders lists a format's arguments as "index:verb", sorted, with
// explicit indexes (%[2]s) resolved as fmt resolves them.
func placeholders(s string) []string {
	var out []string
	i := 0
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if m[2] == "%" {
			continue
		}
		if m[1] != "" {
			i, _ = strconv.Atoi(m[1])
		} else {
			i++
		}
		out = append(out, strconv.Itoa(i)+":"+m[2])
	}
	sort.Strings(out)
	return out
}

func TestPlaceholdersAgreeAcrossCatalogs(t *testing.T) {
	cats := loadCatalogs(t)
	zh := cats[Languages[0]]
	for k, v := range zh {
		want := placeholders(v)
		for _, lang := range Languages[1:] {
			tr, ok := cats[lang][k]
			if !ok {
				continue // TestCatalogsHaveTheSameKeys reports it
			}
			if got := placeholders(tr); !slices.Equal(got, want) {
				t.Errorf("%s %q: placeholders %v, Chinese has %v", lang, k, got, want)
			}
		}
	}
}

func TestPlaceholdersResolveIndexes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"收购价每%[2]s ¥%[1]s 归农户。", []string{"1:s", "2:s"}},
		{"%d of %d, 100%%", []string{"1:d", "2:d"}},
		{"分成比例（%）", nil},
		{"%[2]d then %s", []string{"2:d", "3:s"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := placeholders(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUyghurPagesAreRightToLeft(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	for lang, dir := range map[string]string{"zh-CN": "ltr", "en": "ltr", "ug": "rtl"} {
		b, err := r.Render("error", Page{Lang: lang, Data: ErrorView{Status: 404}})
		if err != nil {
			t.Fatal(err)
		}
		html := string(b)
		if !strings.Contains(html, `<html lang="`+lang+`" dir="`+dir+`">`) {
			t.Errorf("%s: %.200s", lang, html)
		}
		if got := strings.Contains(html, "/static/ug."); got != (lang == "ug") {
			t.Errorf("%s: Uyghur stylesheet linked = %v", lang, got)
		}
		for _, other := range Languages {
			link := `href="/lang/` + other + `?`
			if strings.Contains(html, link) == (other == lang) {
				t.Errorf("%s: switch link to %s present = %v", lang, other, other != lang)
			}
		}
	}
}
