package web

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/money"
)

// InvoiceForm is an invoice request as typed, with its errors (the
// "invoice-form" partial: a buyer's order page, an institution's portal).
type InvoiceForm struct {
	invoice.RequestInput
	Errors map[string]string
}

// Forms: a domain error becomes field messages next to the inputs, in the
// page's language. This is the one place that turns errs.Error into what a
// form shows.

// FormError splits err for a form: its field reasons and its message, both
// translated, and the status to answer with; ok is false when the error is
// not the user's to fix on this form (it then goes to the error handler).
// kinds lists the kinds a form shows (default: invalid and conflict).
func FormError(p Page, err error, kinds ...errs.Kind) (fields map[string]string, message string, status int, ok bool) {
	var e *errs.Error
	if !errors.As(err, &e) {
		return nil, "", 0, false
	}
	if len(kinds) == 0 {
		kinds = []errs.Kind{errs.Invalid, errs.Conflict}
	}
	if !slices.Contains(kinds, e.Kind) {
		return nil, "", 0, false
	}
	fields = make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		fields[k] = TrMsg(p, v)
	}
	return fields, TrMsg(p, e.Message), StatusOf(e), true
}

// FormErrorOr is FormError with the message under key when the error
// names no field, so that it still shows next to something.
func FormErrorOr(p Page, err error, key string, kinds ...errs.Kind) (fields map[string]string, status int, ok bool) {
	fields, msg, status, ok := FormError(p, err, kinds...)
	if ok && len(fields) == 0 {
		fields = map[string]string{key: msg}
	}
	return fields, status, ok
}

// YuanField parses an amount typed in yuan into fen; when it is not one, it
// files the rule, in the page's language, under key.
func YuanField(p Page, fieldErrors map[string]string, key, typed string) int64 {
	fen, err := money.ParseCell(typed)
	if err != nil {
		fieldErrors[key] = p.Msg(money.YuanRule)
	}
	return fen
}

// ColumnPairs pairs a batch file's column names with their Chinese
// headers, for the upload forms that list the columns a file may carry.
func ColumnPairs(names, chinese []string) [][2]string {
	out := make([][2]string, len(names))
	for i := range names {
		out[i] = [2]string{names[i], chinese[i]}
	}
	return out
}

// AddFormErrors files a use case's refusal into a form's field errors (the
// whole-form message under "form") and reports whether err was one the
// form shows; any other error the caller returns to the error handler.
func AddFormErrors(p Page, dst map[string]string, err error, kinds ...errs.Kind) bool {
	fields, _, ok := FormErrorOr(p, err, "form", kinds...)
	maps.Copy(dst, fields)
	return ok
}

var (
	digitRun  = regexp.MustCompile(`[0-9]+`)
	numberRun = regexp.MustCompile(`[0-9]+(?:\.[0-9]+)?`) // a quantity such as 90.5 is one argument
	// msgPatterns are messages with a variable part: the catalog holds the
	// key with each part a %s, and each part is translated on its own when
	// the catalog has it (an action such as "refund the payment"), else shown
	// as it is (a column's name, a list of codes).
	msgPatterns = []msgPattern{
		{regexp.MustCompile(`^column (\S+) appears twice$`), "column %s appears twice"},
		{regexp.MustCompile(`^must be one of (.+)$`), "must be one of %s"},
		{regexp.MustCompile(`^the payment provider cannot be reached to (.+); try again$`), "the payment provider cannot be reached to %s; try again"},
		{regexp.MustCompile(`^the payment provider refused to ([^(]+) \((\S+)\)$`), "the payment provider refused to %s (%s)"},
		{regexp.MustCompile(`^the payment provider refused to ([^(]+)$`), "the payment provider refused to %s"},
	}
	coopStateReason = regexp.MustCompile(`^cooperative ([0-9]+) is (\w+); only a cooperative that is (\w+) can be (\w+)$`)
	// stateReason is "the order is shipped and cannot be paid" and the
	// like: the state word is the catalog's status label.
	stateReason = regexp.MustCompile(`^the (order|dividend) is ([a-z_]+)((?:;|,|:| and) .+)$`)
	stateLabel  = map[string]string{"order": "status.", "dividend": "income.status."}
)

// TrMsg translates a domain message into the page's language: the catalog's
// "msg.<message>" when it has one; else, for a state's refusal ("the order
// is paid and cannot be shipped"), its pattern with the state's label; else
// the message with its numbers as %s ("must be at most %s characters"; a
// decimal such as 90.5 counts as one number when the digits alone do not match);
// else, for "reason: detail", both parts on their own. Messages the catalog
// lacks stay in English.
func TrMsg(p Page, msg string) string {
	if t := p.exactMsg(msg); t != msg {
		return t
	}
	if m := coopStateReason.FindStringSubmatch(msg); m != nil {
		key := "msg.cooperative %s is %s; only a cooperative that is %s can be %s"
		if t := p.T(key); t != key {
			return fmt.Sprintf(t, m[1], p.T("coop.status."+m[2]), p.T("coop.status."+m[3]), p.T("coop.step."+m[4]))
		}
		return msg
	}
	if m := stateReason.FindStringSubmatch(msg); m != nil {
		key := "msg.the " + m[1] + " is %s" + m[3]
		if t := p.T(key); t != key {
			return fmt.Sprintf(t, p.T(stateLabel[m[1]]+m[2]))
		}
	}
	for _, pat := range msgPatterns {
		if t, ok := pat.translate(p, msg); ok {
			return t
		}
	}
	for _, numbers := range []*regexp.Regexp{digitRun, numberRun} {
		if t, ok := p.withNumbers(msg, numbers); ok {
			return t
		}
	}
	if head, detail, ok := strings.Cut(msg, ": "); ok {
		if t := p.exactMsg(head); t != head {
			sep := "：" // full-width colon for Chinese
			if p.Lang == "en" {
				sep = ": "
			}
			return t + sep + TrMsg(p, detail)
		}
	}
	return msg
}

type msgPattern struct {
	re  *regexp.Regexp
	key string
}

func (pat msgPattern) translate(p Page, msg string) (string, bool) {
	m := pat.re.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	t := p.exactMsg(pat.key)
	if t == pat.key {
		return "", false
	}
	args := make([]any, len(m)-1)
	for i, part := range m[1:] {
		args[i] = p.exactMsg(part)
	}
	return fmt.Sprintf(t, args...), true
}

// withNumbers translates msg by its catalog entry with every number (as
// numbers finds them) in it a %s.
func (p Page) withNumbers(msg string, numbers *regexp.Regexp) (string, bool) {
	nums := numbers.FindAllString(msg, -1)
	if len(nums) == 0 {
		return msg, false
	}
	tmpl := numbers.ReplaceAllString(msg, "%s")
	t := p.exactMsg(tmpl)
	if t == tmpl {
		return msg, false
	}
	args := make([]any, len(nums))
	for i, n := range nums {
		args[i] = n
	}
	return fmt.Sprintf(t, args...), true
}

// FieldView is what the "field" template of a form needs.
type FieldView struct {
	Page                                  Page
	Name, Label, Value, Type, Auto, Error string
}

// formField prepares a labelled input whose error, if any, is errors'
// entry "shipping_address.<name>" or "<name>".
func formField(p Page, name, label, value, typ, auto string, errors map[string]string) FieldView {
	f := FieldView{Page: p, Name: name, Label: label, Value: value, Type: typ, Auto: auto}
	if f.Error = errors["shipping_address."+name]; f.Error == "" {
		f.Error = errors[name]
	}
	return f
}

// RowProblem is one line of a CSV upload's error table (household import,
// payout batch): the domain reports fields keyed "row N: column".
type RowProblem struct {
	Row    int // 0 for problems of the whole file
	Column string
	Label  string
	Reason string
}

var rowKeyPattern = regexp.MustCompile(`^row ([0-9]+): (.+)$`)

// ColumnOrder numbers columns as the file lays them out, for sorting.
func ColumnOrder(columns []string) map[string]int {
	m := map[string]int{"csv": -1}
	for i, c := range columns {
		m[c] = i
	}
	return m
}

// RowProblems turns field errors into table rows sorted by row, then column
// order (whole-file problems last), with column labels from the catalog
// keys labelPrefix+column and reasons in the page's language.
func RowProblems(p Page, fields map[string]string, labelPrefix string, order map[string]int) []RowProblem {
	out := make([]RowProblem, 0, len(fields))
	for k, v := range fields {
		pr := RowProblem{Column: k, Reason: TrMsg(p, v)}
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
	slices.SortFunc(out, func(a, b RowProblem) int {
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

// BatchError is how a page shows a refused batch upload (nothing of it was
// written): a message atop, then what is wrong with the file as a whole, or
// the problems row by row.
type BatchError struct {
	ImportMessage string
	FileError     string
	Problems      []RowProblem
}

// BatchFailure is what a page shows of an upload's error, with the status
// to answer; ok is false when the error is not the uploader's to fix (it
// then goes to the error handler). Column labels come from the catalog
// keys labelPrefix+column.
func BatchFailure(p Page, err error, labelPrefix string, order map[string]int) (status int, be BatchError, ok bool) {
	var e *errs.Error
	if !errors.As(err, &e) || !slices.Contains([]errs.Kind{errs.Invalid, errs.TooLarge, errs.Conflict}, e.Kind) {
		return 0, be, false
	}
	status, _, _ = Classify(err)
	be.ImportMessage = TrMsg(p, e.Message)
	whole := cmp.Or(e.Fields["file"], e.Fields["header"])
	if whole != "" || len(e.Fields) == 0 || e.Kind == errs.TooLarge {
		be.FileError = TrMsg(p, cmp.Or(whole, e.Message))
	} else {
		be.Problems = RowProblems(p, e.Fields, labelPrefix, order)
	}
	return status, be, true
}
