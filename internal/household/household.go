// Package household is the registry of registered households (建档立卡户,
// 脱贫户, 监测户): their village, members, status and baseline income, and the
// head's name and citizen ID number, which are sensitive personal data.
//
// Personal fields are stored only encrypted (internal/pii), with a keyed hash
// of the ID number for exact lookup and deduplication and masks for display.
// Every value the package returns is masked unless Get is asked to reveal it
// for an office whose jurisdiction holds the household; each such view is
// written to pii_access_log in the same transaction.
//
// Who may do what: offices read and write the households of their
// jurisdiction (every village code starting with auth.Actor.OfficePrefix),
// platform administrators read and write all but see only masks; everybody
// else is refused. Jurisdiction is part of every query's WHERE clause.
package household

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// Status is a household's poverty status.
type Status string

// The statuses, with the names offices use.
const (
	StatusPoor              Status = "poor"               // 未脱贫
	StatusLifted            Status = "lifted"             // 已脱贫
	StatusMonitoredUnstable Status = "monitored_unstable" // 脱贫不稳定户
	StatusMonitoredEdge     Status = "monitored_edge"     // 边缘易致贫户
	StatusMonitoredHardship Status = "monitored_hardship" // 突发严重困难户
)

var statusNames = map[Status]string{
	StatusPoor:              "未脱贫",
	StatusLifted:            "已脱贫",
	StatusMonitoredUnstable: "脱贫不稳定户",
	StatusMonitoredEdge:     "边缘易致贫户",
	StatusMonitoredHardship: "突发严重困难户",
}

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool { _, ok := statusNames[s]; return ok }

// ChineseName is the status as offices write it (未脱贫 …).
func (s Status) ChineseName() string { return statusNames[s] }

// HasLiftedYear reports whether a household of status s may carry the year
// it was lifted out of poverty (lifted and monitored_unstable households).
func (s Status) HasLiftedYear() bool { return s == StatusLifted || s == StatusMonitoredUnstable }

// ParseStatus reads a status from its code (any case) or its Chinese name.
func ParseStatus(s string) (Status, bool) {
	s = strings.TrimSpace(s)
	if st := Status(strings.ToLower(s)); st.Valid() {
		return st, true
	}
	for st, name := range statusNames {
		if s == name {
			return st, true
		}
	}
	return "", false
}

// Household is one registered household as the API serves it. HeadName and
// HeadIDNumber are masked (阿**, 6532**********1234) unless Revealed.
type Household struct {
	ID                ids.ID    `json:"id"`
	RegistryNo        string    `json:"registry_no"`
	VillageCode       string    `json:"village_code"`
	Members           int       `json:"members"`
	Status            Status    `json:"status"`
	LiftedYear        *int      `json:"lifted_year,omitempty"`
	BaselineIncomeFen int64     `json:"baseline_income_fen"`
	BaselineYear      int       `json:"baseline_year"`
	HeadName          string    `json:"head_name"`
	HeadIDNumber      string    `json:"head_id_number"`
	Revealed          bool      `json:"revealed" db:"-"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Input is a new household, as POST /api/v1/households takes it.
type Input struct {
	RegistryNo        string `json:"registry_no"`
	VillageCode       string `json:"village_code"`
	Members           int    `json:"members"`
	Status            Status `json:"status"`
	LiftedYear        *int   `json:"lifted_year,omitempty"`
	BaselineIncomeFen int64  `json:"baseline_income_fen"`
	BaselineYear      int    `json:"baseline_year"`
	HeadName          string `json:"head_name"`
	HeadIDNumber      string `json:"head_id_number"`
}

// Patch changes some fields of a household; nil fields stay as they are.
// The registry number never changes. Changing the status to one without a
// lifted year clears the lifted year.
type Patch struct {
	VillageCode       *string `json:"village_code,omitempty"`
	Members           *int    `json:"members,omitempty"`
	Status            *Status `json:"status,omitempty"`
	LiftedYear        *int    `json:"lifted_year,omitempty"`
	BaselineIncomeFen *int64  `json:"baseline_income_fen,omitempty"`
	BaselineYear      *int    `json:"baseline_year,omitempty"`
	HeadName          *string `json:"head_name,omitempty"`
	HeadIDNumber      *string `json:"head_id_number,omitempty"`
}

// MaxNameRunes is the longest head's name accepted.
const MaxNameRunes = 64

// MaxMembers is the largest household accepted.
const MaxMembers = 30

// MaxIncomeFen bounds the baseline income per person a year: ¥1,000,000,
// far above any poverty or monitoring line (the same bound theirs have), so
// that baseline × members and the sums of the reports stay far from
// overflowing. Without it one mistyped figure made every dashboard above
// the household's village fail.
const MaxIncomeFen = 100_000_000

// record is a household's plain values once normalised.
type record struct {
	RegistryNo   string
	VillageCode  string
	Members      int
	Status       Status
	LiftedYear   *int
	IncomeFen    int64
	BaselineYear int
	HeadName     string
	HeadID       string
}

// validate checks every field of r and reports each problem to add under
// the field's JSON name.
func (r *record) validate(now time.Time, add func(field, reason string)) {
	if msg := checkRegistryNo(r.RegistryNo); msg != "" {
		add("registry_no", msg)
	}
	if msg := checkVillageCode(r.VillageCode); msg != "" {
		add("village_code", msg)
	}
	if r.Members < 1 || r.Members > MaxMembers {
		add("members", "must be between 1 and 30")
	}
	if !r.Status.Valid() {
		add("status", "must be poor, lifted, monitored_unstable, monitored_edge or monitored_hardship")
	}
	if r.LiftedYear != nil {
		switch {
		case r.Status.Valid() && !r.Status.HasLiftedYear():
			add("lifted_year", "only lifted and monitored_unstable households have a lifted year")
		case checkYear(*r.LiftedYear, now) != "":
			add("lifted_year", checkYear(*r.LiftedYear, now))
		}
	}
	switch {
	case r.IncomeFen < 0:
		add("baseline_income_fen", "must not be negative")
	case r.IncomeFen > MaxIncomeFen:
		add("baseline_income_fen", "must be at most ¥1,000,000")
	}
	if msg := checkYear(r.BaselineYear, now); msg != "" {
		add("baseline_year", msg)
	}
	if msg := checkName(r.HeadName); msg != "" {
		add("head_name", msg)
	}
	if err := idcheck.ValidIDNumberAt(r.HeadID, now); err != nil {
		add("head_id_number", "not a valid citizen ID number: "+err.Error())
	}
}

func checkRegistryNo(s string) string {
	if s == "" {
		return "required"
	}
	if len(s) > 40 {
		return "must be at most 40 characters"
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_') {
			return "may hold only letters, digits, - and _"
		}
	}
	return ""
}

func checkVillageCode(s string) string {
	if s == "" {
		return "required"
	}
	if len(s) != 12 || strings.Trim(s, "0123456789") != "" {
		return "must be a 12-digit village code"
	}
	return ""
}

func checkName(s string) string {
	switch {
	case s == "":
		return "required"
	case !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError):
		return "holds characters that could not be decoded (use UTF-8 or GB18030)"
	case utf8.RuneCountInString(s) > MaxNameRunes:
		return "must be at most 64 characters"
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return "must not hold control characters"
		}
	}
	return text.CheckBidi(s)
}

func checkYear(y int, now time.Time) string {
	if y < 2000 || y > now.Year() {
		return "must be a year from 2000 to " + strconv.Itoa(now.Year())
	}
	return ""
}

func (in Input) record() record {
	st, ok := ParseStatus(string(in.Status))
	if !ok {
		st = in.Status
	}
	return record{
		RegistryNo:   strings.TrimSpace(in.RegistryNo),
		VillageCode:  strings.TrimSpace(in.VillageCode),
		Members:      in.Members,
		Status:       st,
		LiftedYear:   in.LiftedYear,
		IncomeFen:    in.BaselineIncomeFen,
		BaselineYear: in.BaselineYear,
		HeadName:     strings.TrimSpace(in.HeadName),
		HeadID:       idcheck.NormalizeIDNumber(in.HeadIDNumber),
	}
}
