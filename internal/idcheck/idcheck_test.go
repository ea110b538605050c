package idcheck

import (
	"errors"
	"testing"
	"time"
)

var testNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func TestValidIDNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"GB 11643 example with X", "11010519491231002X", nil},
		{"GB 11643 example 1880", "440524188001010014", nil},
		{"Lop county", mustID(t, "65322419900101123"), nil},
		{"born today", mustID(t, "65322420240601001"), nil},
		{"born tomorrow", mustID(t, "65322420240602001"), ErrBirthDate},
		{"wrong check", "110105194912310021", ErrCheck},
		{"lower-case x", "11010519491231002x", ErrCharset},
		{"17 chars", "11010519491231002", ErrLength},
		{"19 chars", "11010519491231002X1", ErrLength},
		{"letter inside", "1101051949123100AX", ErrCharset},
		{"unknown province", mustID(t, "99010519491231002"), ErrRegion},
		{"province 00", mustID(t, "00010519491231002"), ErrRegion},
		{"February 30", mustID(t, "65322419900230123"), ErrBirthDate},
		{"month 13", mustID(t, "65322419901301123"), ErrBirthDate},
		{"29 February leap", mustID(t, "65322420000229123"), nil},
		{"29 February not leap", mustID(t, "65322419000229123"), ErrBirthDate},
		{"year 1799", mustID(t, "65322417991231123"), ErrBirthDate},
		{"full-width digits", "６５３２２４１９９００１０１１２３Ｘ", ErrLength},
		{"empty", "", ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidIDNumberAt(tt.in, testNow); !errors.Is(err, tt.want) {
				t.Fatalf("ValidIDNumberAt(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func mustID(tb testing.TB, first17 string) string {
	tb.Helper()
	s, err := CompleteIDNumber(first17)
	if err != nil {
		tb.Fatalf("CompleteIDNumber(%q): %v", first17, err)
	}
	return s
}

func TestNormalizeIDNumber(t *testing.T) {
	if got := NormalizeIDNumber(" 11010519491231002x "); got != "11010519491231002X" {
		t.Fatalf("NormalizeIDNumber = %q", got)
	}
}

func TestIDCheckChar(t *testing.T) {
	tests := []struct {
		in   string
		want byte
		err  error
	}{
		{"11010519491231002", 'X', nil},
		{"44052418800101001", '4', nil},
		{"1101051949123100", 0, ErrLength},
		{"1101051949123100A", 0, ErrCharset},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := IDCheckChar(tt.in)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Fatalf("IDCheckChar(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestBirthDate(t *testing.T) {
	d, err := BirthDate("11010519491231002X", testNow)
	if err != nil || d.Format("2006-01-02") != "1949-12-31" {
		t.Fatalf("BirthDate = %v, %v", d, err)
	}
}

func TestValidCreditCode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"GB 32100 example", "91350100M000100Y43", nil},
		{"enterprise", "91440300708461136T", nil},
		{"generated cooperative", mustCode(t, "93653224MA7ABCDE1"), nil},
		{"check 0", zeroCheckCode(t), nil},
		{"wrong check", "91350100M000100Y44", ErrCheck},
		{"letter I", "91350100M000100I43", ErrCharset},
		{"letter O", "91350100M000100O43", ErrCharset},
		{"letter S in check", "91350100M000100Y4S", ErrCharset},
		{"letter Z", "9135010ZM000100Y43", ErrCharset},
		{"lower case", "91350100m000100y43", ErrCharset},
		{"17 chars", "91350100M000100Y4", ErrLength},
		{"empty", "", ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidCreditCode(tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("ValidCreditCode(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func mustCode(tb testing.TB, first17 string) string {
	tb.Helper()
	s, err := CompleteCreditCode(first17)
	if err != nil {
		tb.Fatalf("CompleteCreditCode(%q): %v", first17, err)
	}
	return s
}

// zeroCheckCode finds a code whose weighted sum is a multiple of 31, the
// case the rule writes as 0 rather than 31.
func zeroCheckCode(tb testing.TB) string {
	tb.Helper()
	for _, c := range CreditCodeAlphabet {
		s := mustCode(tb, "93653224MA7ABCDE"+string(c))
		if s[17] == '0' {
			return s
		}
	}
	tb.Fatal("no code with check character 0 in the sweep")
	return ""
}

func TestNormalizeCreditCode(t *testing.T) {
	if got := NormalizeCreditCode(" 91350100m000100y43\t"); got != "91350100M000100Y43" {
		t.Fatalf("NormalizeCreditCode = %q", got)
	}
}
