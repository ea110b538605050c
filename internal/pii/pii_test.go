package pii

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const (
	hexKey1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	hexKey2 = "f0e0d0c0b0a090807060504030201000ffeeddccbbaa99887766554433221100"
)

func mustRing(tb testing.TB, spec string) *Ring {
	tb.Helper()
	r, err := ParseRing(spec)
	if err != nil {
		tb.Fatalf("ParseRing: %v", err)
	}
	return r
}

func TestSealOpenRoundTrip(t *testing.T) {
	r := mustRing(t, hexKey1)
	for _, pt := range []string{"阿依古丽·买买提", "653224199001011234", "", strings.Repeat("长", 64)} {
		t.Run(pt, func(t *testing.T) {
			ct, err := r.Seal(pt, "household:H1:head_name")
			if err != nil {
				t.Fatal(err)
			}
			if pt != "" && bytes.Contains(ct, []byte(pt)) {
				t.Fatal("ciphertext contains the plaintext")
			}
			got, err := r.Open(ct, "household:H1:head_name")
			if err != nil || got != pt {
				t.Fatalf("Open = %q, %v; want %q", got, err, pt)
			}
			again, _ := r.Seal(pt, "household:H1:head_name")
			if bytes.Equal(ct, again) {
				t.Fatal("two seals of one value are equal: nonce reused")
			}
		})
	}
}

func TestOpenDetectsTampering(t *testing.T) {
	r := mustRing(t, hexKey1)
	ct, err := r.Seal("阿依古丽", "household:H1:head_name")
	if err != nil {
		t.Fatal(err)
	}
	other := mustRing(t, hexKey2)
	tests := []struct {
		name string
		ring *Ring
		ct   []byte
		aad  string
	}{
		{"flipped ciphertext byte", r, flip(ct, len(ct)-20), "household:H1:head_name"},
		{"flipped tag byte", r, flip(ct, len(ct)-1), "household:H1:head_name"},
		{"flipped nonce byte", r, flip(ct, 3), "household:H1:head_name"},
		{"other row", r, ct, "household:H2:head_name"},
		{"other column", r, ct, "household:H1:head_id"},
		{"other key of same version", other, ct, "household:H1:head_name"},
		{"truncated", r, ct[:10], "household:H1:head_name"},
		{"empty", r, nil, "household:H1:head_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.ring.Open(tt.ct, tt.aad); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Open = %v, want ErrDecrypt", err)
			}
		})
	}
	if _, err := r.Open(flip(ct, 1), "household:H1:head_name"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("changed version: %v, want ErrUnknownKey", err)
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

func TestRotation(t *testing.T) {
	old := mustRing(t, hexKey1)
	ct, err := old.Seal("653224199001011234", "aad")
	if err != nil {
		t.Fatal(err)
	}
	both := mustRing(t, "1:"+hexKey1+",2:"+hexKey2)
	if both.Current() != 2 {
		t.Fatalf("current = %d, want 2", both.Current())
	}
	if got, err := both.Open(ct, "aad"); err != nil || got != "653224199001011234" {
		t.Fatalf("old value under new ring: %q, %v", got, err)
	}
	re, changed, err := both.Reseal(ct, "aad")
	if err != nil || !changed {
		t.Fatalf("Reseal = %v, %v", changed, err)
	}
	if v, _ := KeyVersion(re); v != 2 {
		t.Fatalf("resealed under version %d, want 2", v)
	}
	onlyNew := mustRing(t, "2:"+hexKey2)
	if got, err := onlyNew.Open(re, "aad"); err != nil || got != "653224199001011234" {
		t.Fatalf("resealed value under key 2 alone: %q, %v", got, err)
	}
	if _, err := onlyNew.Open(ct, "aad"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old value without key 1: %v, want ErrUnknownKey", err)
	}
	same, changed, err := both.Reseal(re, "aad")
	if err != nil || changed || !bytes.Equal(same, re) {
		t.Fatalf("Reseal of current value = changed %v, %v", changed, err)
	}
}

func TestHash(t *testing.T) {
	r1 := mustRing(t, hexKey1)
	both := mustRing(t, "1:"+hexKey1+",2:"+hexKey2)
	h := r1.Hash("household.head_id", "653224199001011234")
	if len(h) != 32 {
		t.Fatalf("hash length %d", len(h))
	}
	if !bytes.Equal(h, r1.Hash("household.head_id", "653224199001011234")) {
		t.Fatal("hash is not deterministic")
	}
	if bytes.Equal(h, r1.Hash("other.purpose", "653224199001011234")) {
		t.Fatal("purposes share hashes")
	}
	if bytes.Equal(h, r1.Hash("household.head_id", "653224199001011235")) {
		t.Fatal("different values share a hash")
	}
	hs := both.Hashes("household.head_id", "653224199001011234")
	if len(hs) != 2 || !bytes.Equal(hs[1], h) || !bytes.Equal(hs[0], both.Hash("household.head_id", "653224199001011234")) {
		t.Fatal("Hashes must list the current key's hash first and key 1's after")
	}
	key, _ := ParseKey(hexKey1)
	if bytes.Equal(r1.keys[1].mac, key) {
		t.Fatal("the HMAC key equals the encryption key")
	}
}

func TestParseRingErrors(t *testing.T) {
	tests := map[string]string{
		"short":         "abcd",
		"not hex":       strings.Repeat("zz", 32),
		"version zero":  "0:" + hexKey1,
		"bad version":   "x:" + hexKey1,
		"duplicate":     "1:" + hexKey1 + ",1:" + hexKey2,
		"missing key":   "1:",
		"empty":         "",
		"version range": "70000:" + hexKey1,
	}
	for name, spec := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseRing(spec); err == nil {
				t.Fatalf("ParseRing(%q) succeeded", spec)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a := mustRing(t, hexKey1)
	b := mustRing(t, "1:"+hexKey2)
	fa, _ := a.Fingerprint(1)
	fb, _ := b.Fingerprint(1)
	if bytes.Equal(fa, fb) {
		t.Fatal("different keys share a fingerprint")
	}
	if _, err := a.Fingerprint(2); err == nil {
		t.Fatal("fingerprint of a missing version")
	}
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseRing(k); err != nil {
		t.Fatalf("generated key does not parse: %v", err)
	}
}

func TestMaskIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"653224199001011234", "6532**********1234"},
		{"65322419900101123X", "6532**********123X"},
		{"123456789", "1234*6789"},
		{"12345678", "********"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := MaskIDNumber(tt.in); got != tt.want {
				t.Fatalf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMaskName: a mask shows the first character at most, and nothing of
// the name's length.
func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"阿依古丽", "阿**"},
		{"买买提", "买**"},
		{"王芳", "王**"},
		{"王", "**"},
		{"", ""},
		{"阿卜杜热合曼", "阿**"},
		{"买买提·吐尔逊", "买**"},
		{"Ali", "A**"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := MaskName(tt.in); got != tt.want {
				t.Fatalf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
