// Package idcheck validates the two national identifiers the registry takes:
// the citizen ID number (公民身份号码, GB 11643-1999) and the unified social
// credit code of an organisation (统一社会信用代码, GB 32100-2015). It also
// computes their check characters, so that tests and demo data can make
// valid numbers.
//
// Error messages never repeat the value: they are safe to show and log.
package idcheck

import (
	"errors"
	"strings"
	"time"
)

// Reasons a value fails validation.
var (
	ErrLength    = errors.New("must be 18 characters")
	ErrCharset   = errors.New("contains characters that are not allowed")
	ErrRegion    = errors.New("does not start with a valid region code")
	ErrBirthDate = errors.New("does not hold a valid birth date")
	ErrCheck     = errors.New("check character does not match")
)

// idWeights are 2^(17-i) mod 11, the ISO 7064 MOD 11-2 weights of GB 11643.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// provinces are the two-digit province codes of GB/T 2260 (with 81–83 for the
// residence permits of Hong Kong, Macao and Taiwan residents).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// NormalizeIDNumber trims spaces and upper-cases a trailing x; validate and
// store the normalised form.
func NormalizeIDNumber(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// IDCheckChar computes the check character (0–9 or X) of the first 17
// digits of an ID number.
func IDCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, ErrLength
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, ErrCharset
		}
		sum += int(c-'0') * idWeights[i]
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return 'X', nil
	}
	return byte('0' + v), nil
}

// CompleteIDNumber appends the check character to 17 digits.
func CompleteIDNumber(first17 string) (string, error) {
	c, err := IDCheckChar(first17)
	if err != nil {
		return "", err
	}
	return first17 + string(c), nil
}

// ValidIDNumber checks a normalised 18-character ID number as of now.
func ValidIDNumber(s string) error { return ValidIDNumberAt(s, time.Now()) }

// ValidIDNumberAt checks s: 18 characters, 17 digits and a check character
// (digit or upper-case X); a known province code at the start; a real birth
// date YYYYMMDD in positions 7–14, from 1800 and not after now; and the
// MOD 11-2 check character.
func ValidIDNumberAt(s string, now time.Time) error {
	if len(s) != 18 {
		return ErrLength
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return ErrCharset
		}
	}
	if c := s[17]; (c < '0' || c > '9') && c != 'X' {
		return ErrCharset
	}
	if !provinces[s[:2]] {
		return ErrRegion
	}
	if _, err := BirthDate(s, now); err != nil {
		return err
	}
	c, err := IDCheckChar(s[:17])
	if err != nil {
		return err
	}
	if c != s[17] {
		return ErrCheck
	}
	return nil
}

// BirthDate reads the birth date of an ID number (positions 7–14) and checks
// that it is a real date from 1800 on and not after now (a day of now's
// zone: callers pass the clock's Beijing time).
func BirthDate(s string, now time.Time) (time.Time, error) {
	if len(s) < 14 {
		return time.Time{}, ErrLength
	}
	d, err := time.ParseInLocation("20060102", s[6:14], now.Location())
	if err != nil || d.Format("20060102") != s[6:14] || d.Year() < 1800 {
		return time.Time{}, ErrBirthDate
	}
	if d.After(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())) {
		return time.Time{}, ErrBirthDate
	}
	return d, nil
}
