package idcheck

import "testing"

func FuzzIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440524188001010014", "653224199001011234", "", "X", "65322419900230123X", "６５３２", "11010519491231002x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidIDNumberAt(s, testNow)
		if len(s) < 17 {
			return
		}
		c, cerr := IDCheckChar(s[:17])
		if cerr != nil {
			if err == nil {
				t.Fatalf("%q valid but its first 17 have no check character: %v", s, cerr)
			}
			return
		}
		if err == nil && c != s[17] {
			t.Fatalf("%q valid with check %q, computed %q", s, s[17], c)
		}
		// Completing the 17 digits must give a number that differs from a
		// valid one only in what the check character cannot fix.
		full := s[:17] + string(c)
		ferr := ValidIDNumberAt(full, testNow)
		if ferr == ErrCheck {
			t.Fatalf("completed %q still fails the check", full)
		}
		if err == nil && ferr != nil {
			t.Fatalf("%q valid but its completion fails: %v", s, ferr)
		}
		if NormalizeIDNumber(full) != full {
			t.Fatalf("completed number %q is not normalised", full)
		}
	})
}

func FuzzCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91440300708461136T", "", "I", "91350100m000100y43", "93653224MA7ABCDE1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidCreditCode(s)
		if len(s) < 17 {
			if err == nil {
				t.Fatalf("%q of length %d valid", s, len(s))
			}
			return
		}
		c, cerr := CreditCodeCheckChar(s[:17])
		if cerr != nil {
			if err == nil {
				t.Fatalf("%q valid but its first 17 have no check character", s)
			}
			return
		}
		full := s[:17] + string(c)
		if ferr := ValidCreditCode(full); ferr != nil {
			t.Fatalf("completed %q fails: %v", full, ferr)
		}
		if err == nil && full != s {
			t.Fatalf("%q valid but differs from its completion %q", s, full)
		}
		// A single changed character is always caught by MOD 31.
		for i := 0; i < 17; i++ {
			for _, r := range []byte{'0', 'A', 'Y'} {
				if full[i] == r {
					continue
				}
				changed := full[:i] + string(r) + full[i+1:]
				if ValidCreditCode(changed) == nil {
					t.Fatalf("single substitution %q → %q not detected", full, changed)
				}
			}
		}
	})
}
