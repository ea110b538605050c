package web

import "testing"

// TestSafeNextRefusesOtherHosts: a redirect target a browser could read as
// another host (after it drops tabs and newlines, reads \ as /, or decodes
// the target) goes to the home page instead.
func TestSafeNextRefusesOtherHosts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/orders", "/orders"},
		{"/orders/12?tab=lines", "/orders/12?tab=lines"},
		{"/search?q=%E6%9E%A3", "/search?q=%E6%9E%A3"},
		{"/search?q=red%20dates", "/search?q=red%20dates"},
		{"", "/"},
		{"orders", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"/%0a/evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/\\/evil.example", "/"},
		{"/x\\y", "/"},
		{"/\x00", "/"},
		{"/\x7f", "/"},
		{"/%2f%2fevil.example", "/"},
		{"/%252f%252fevil.example", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := SafeNext(tt.in); got != tt.want {
				t.Errorf("SafeNext(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
