package web

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// rowProblem is one line of a CSV upload's error table (household import,
// payout batch): the domain reports fields keyed "row N: column".
type rowProblem struct {
	Row    int // 0 for problems of the whole file
	Column string
	Label  string
	Reason string
}

var rowKeyPattern = regexp.MustCompile(`^row ([0-9]+): (.+)$`)

// columnOrder numbers columns as the file lays them out, for sorting.
func columnOrder(columns []string) map[string]int {
	m := map[string]int{"csv": -1}
	for i, c := range columns {
		m[c] = i
	}
	return m
}

// rowProblems turns field errors into table rows sorted by row, then column
// order (whole-file problems last), with column labels from the catalog
// keys labelPrefix+column and reasons in the page's language.
func rowProblems(p Page, fields map[string]string, labelPrefix string, order map[string]int) []rowProblem {
	out := make([]rowProblem, 0, len(fields))
	for k, v := range fields {
		pr := rowProblem{Column: k, Reason: trMsg(p, v)}
		if m := rowKeyPattern.FindStringSubmatch(k); m != nil {
			pr.Row, _ = strconv.Atoi(m[1])
			pr.Column = m[2]
		}
		pr.Label = p.T(labelPrefix + pr.Column)
		if strings.HasPrefix(pr.Label, labelPrefix) {
			pr.Label = pr.Column
		}
		out = append(out, pr)
	}
	slices.SortFunc(out, func(a, b rowProblem) int {
		if a.Row != b.Row {
			if a.Row == 0 || b.Row == 0 {
				return cmp.Compare(b.Row, a.Row)
			}
			return cmp.Compare(a.Row, b.Row)
		}
		if c := cmp.Compare(order[a.Column], order[b.Column]); c != 0 {
			return c
		}
		return cmp.Compare(a.Column, b.Column)
	})
	return out
}
