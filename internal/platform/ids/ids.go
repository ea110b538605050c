// Package ids gives database identities their API form: opaque strings.
package ids

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// ID is a bigint identity that travels as a JSON string ("42"). It accepts a
// JSON number too, for lenient clients.
type ID int64

// MarshalJSON writes the id as a string.
func (id ID) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(id), 10) + `"`), nil
}

// UnmarshalJSON reads a string or a number.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return id.parse(s)
	}
	return id.parse(string(b))
}

func (id *ID) parse(s string) error {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return fmt.Errorf("invalid id %q", s)
	}
	*id = ID(v)
	return nil
}

// Parse reads an id from a path segment; ok is false for anything but a
// positive integer.
func Parse(s string) (ID, bool) {
	var id ID
	return id, id.parse(s) == nil
}

// String formats the id.
func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }
