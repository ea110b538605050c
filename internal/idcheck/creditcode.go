package idcheck

import "strings"

// CreditCodeAlphabet is the GB 32100 character set: digits and upper-case
// letters without I, O, S, V and Z. A character's value is its index.
const CreditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are 3^i mod 31.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeCreditCode trims spaces and upper-cases.
func NormalizeCreditCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// CreditCodeCheckChar computes the check character of the first 17
// characters of a unified social credit code: 31 − (Σ value×weight mod 31),
// with 31 written as 0.
func CreditCodeCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, ErrLength
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(CreditCodeAlphabet, first17[i])
		if v < 0 {
			return 0, ErrCharset
		}
		sum += v * creditWeights[i]
	}
	return CreditCodeAlphabet[(31-sum%31)%31], nil
}

// CompleteCreditCode appends the check character to 17 characters.
func CompleteCreditCode(first17 string) (string, error) {
	c, err := CreditCodeCheckChar(first17)
	if err != nil {
		return "", err
	}
	return first17 + string(c), nil
}

// ValidCreditCode checks a normalised unified social credit code: 18
// characters of CreditCodeAlphabet whose last is the MOD 31 check character.
func ValidCreditCode(s string) error {
	if len(s) != 18 {
		return ErrLength
	}
	if strings.IndexByte(CreditCodeAlphabet, s[17]) < 0 {
		return ErrCharset
	}
	c, err := CreditCodeCheckChar(s[:17])
	if err != nil {
		return err
	}
	if c != s[17] {
		return ErrCheck
	}
	return nil
}
