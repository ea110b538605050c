// Package region holds the administrative divisions of Xinjiang: province,
// prefecture, county, township and village. Codes are hierarchical, so a
// region's subtree is every code that starts with its Prefix.
package region

import (
	"fmt"
	"time"
)

// Level is a region's rank in the tree.
type Level string

const (
	Province   Level = "province"
	Prefecture Level = "prefecture"
	County     Level = "county"
	Township   Level = "township"
	Village    Level = "village"
)

// ChildDigits is how many code digits name a child of a region at this
// level: 4 under a province, 6 under a prefecture, 9 under a county, 12
// under a township.
func (l Level) ChildDigits() int {
	switch l {
	case Province:
		return 4
	case Prefecture:
		return 6
	case County:
		return 9
	default:
		return 12
	}
}

// Region is one administrative division.
type Region struct {
	Code              string     `json:"code"`
	Name              string     `json:"name"`
	Level             Level      `json:"level"`
	ParentCode        string     `json:"parent_code,omitempty"`
	ListedSupervision bool       `json:"listed_supervision"`
	DelistedOn        *time.Time `json:"-"`
	// NameUg and NameEn are the curated names, empty where there is none
	// (Names fills them in).
	NameUg string `json:"-"`
	NameEn string `json:"-"`
}

// Child is the short form of a region in a parent's list.
type Child struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  Level  `json:"level"`
	NameUg string `json:"-"`
	NameEn string `json:"-"`
}

// Prefix returns the leading digits every code in the region's subtree shares:
// 65 for the province, 6532 for 和田地区, 653224 for 洛浦县, and the whole code
// for townships and villages.
func Prefix(code string, level Level) string {
	switch level {
	case Province:
		return code[:2]
	case Prefecture:
		return code[:4]
	default:
		return code
	}
}

// LevelOfCode guesses a level from the code's shape alone; callers that know
// the stored level should prefer it.
func LevelOfCode(code string) (Level, error) {
	switch len(code) {
	case 12:
		return Village, nil
	case 9:
		return Township, nil
	case 6:
		switch {
		case code[2:] == "0000":
			return Province, nil
		case code[4:] == "00":
			return Prefecture, nil
		default:
			return County, nil
		}
	}
	return "", fmt.Errorf("region code %q is not 6, 9 or 12 digits", code)
}
