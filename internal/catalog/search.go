package catalog

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Chinese search (q finds any substring of one or more characters).
//
// Chinese has no spaces and the queries people type are short: 枣, 核桃,
// 巴旦木. PostgreSQL's full-text parsers do not segment Chinese, and pg_trgm
// has two problems here: it extracts no trigram from a one- or two-character
// query, so a GIN trigram index cannot answer 枣 or 核桃 (LIKE '%枣%' falls
// back to reading every row or the whole index), and it only counts
// characters as word characters when the database's LC_CTYPE says they are
// alphanumeric — a cluster made with --no-locale (internal/platform/pgembed
// falls back to that) yields no CJK trigrams at all.
//
// So the catalog builds its own index terms: every product keeps
// search_text (title, description, category, cooperative, county and
// prefecture names, NFKC-folded and lower-cased) and search_grams, the set of
// its unigrams and bigrams, under a GIN index (array_ops). A query of one or
// two characters is one term, which must be in the set; a longer query needs
// all its bigrams (GIN narrows the rows) and strpos on search_text then
// confirms the exact substring. Terms are built in Go, so the result does not
// depend on the database's locale or extensions.
//
// Measured on PostgreSQL 15 (2 cores, shared with other work, so ranges)
// over 50,000 generated products of 10 counties: counting the ~10% that hold
// 核桃 took 10–70 ms through a bitmap scan of the GIN index against 60–130 ms
// for the sequential scan LIKE '%核桃%' needs; 枣 (~19%) 17–36 ms against
// 64–117 ms; the three-character 牦牛肉 (two bigrams, then strpos) 0.2–0.4 ms.
// A term that every product holds falls back to a sequential scan either way,
// and a first page ordered by id walks the primary key and stops early
// (about 1 ms) whichever filter is used. The GIN index took 23 MB, about
// 470 bytes per product; a tsvector of the same grams indexed in 11 MB at a
// similar speed, but an array keeps the query a plain bound parameter with
// no tsquery quoting. TestSearchPlanUsesIndex checks that the index serves
// a one-character query.

// Fold normalises text for search: NFKC (full-width letters and digits
// become ASCII) and lower case.
func Fold(s string) string { return strings.ToLower(norm.NFKC.String(s)) }

// Grams returns the sorted set of unigrams and bigrams of text's runs of
// letters and digits.
func Grams(text string) []string {
	set := map[string]struct{}{}
	for _, run := range runs(Fold(text)) {
		for i := range run {
			set[string(run[i])] = struct{}{}
			if i+1 < len(run) {
				set[string(run[i:i+2])] = struct{}{}
			}
		}
	}
	out := make([]string, 0, len(set))
	for g := range set {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// runs splits s into maximal runs of letters and digits.
func runs(s string) [][]rune {
	var out [][]rune
	var cur []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			cur = append(cur, r)
			continue
		}
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// Query is a parsed search: every term must occur in the product's text.
type Query struct {
	// Grams must all be in search_grams.
	Grams []string
	// Terms longer than two characters, checked with strpos on search_text.
	Long []string
	// Runs are the query's words as typed (folded): a product whose title
	// holds them all ranks first.
	Runs []string
}

// ParseQuery turns the user's q into index terms. ok is false when q holds
// no letter or digit.
func ParseQuery(q string) (Query, bool) {
	var out Query
	set := map[string]struct{}{}
	for _, run := range runs(Fold(q)) {
		out.Runs = append(out.Runs, string(run))
		if len(run) <= 2 {
			set[string(run)] = struct{}{}
			continue
		}
		for i := 0; i+1 < len(run); i++ {
			set[string(run[i:i+2])] = struct{}{}
		}
		out.Long = append(out.Long, string(run))
	}
	for g := range set {
		out.Grams = append(out.Grams, g)
	}
	sort.Strings(out.Grams)
	return out, len(out.Grams) > 0
}

// searchText is what a product is found by.
func searchText(parts ...string) string {
	return Fold(strings.Join(parts, " "))
}
