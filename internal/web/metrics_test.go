package web

import "testing"

// A label value must not alias the request's buffer: the method is
// returned as a constant whatever string it came in.
func TestMethodLabelIsAConstant(t *testing.T) {
	buf := []byte("GET")
	m := string(buf) // a copy here; Fiber's is not, which is why this exists
	got := methodLabel(m)
	buf[0] = 'X'
	if got != "GET" {
		t.Fatalf("label %q", got)
	}
	for in, want := range map[string]string{"POST": "POST", "PATCH": "PATCH", "BREW": "OTHER", "": "OTHER"} {
		if got := methodLabel(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
