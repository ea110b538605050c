// Package pii protects personal fields at rest (PIPL art. 28): AES-256-GCM
// encryption under a versioned key ring, a keyed HMAC-SHA256 for exact lookup
// and deduplication without decrypting, and the masks shown on screens.
//
// A sealed value is self-describing: two bytes of key version (big endian),
// a 12-byte random nonce, then the GCM ciphertext and tag. The caller passes
// associated data (for example "household:<registry_no>:head_name") that binds
// the ciphertext to its place, so a value copied into another row or column
// fails to open.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// KeySize is the length of a data key in bytes (AES-256).
const KeySize = 32

const (
	versionLen = 2
	nonceLen   = 12
	hashInfo   = "fupin-market pii lookup hmac-sha256 v1"
)

// ErrDecrypt means a sealed value is corrupt, was tampered with, was sealed
// under another key, or belongs to another place (associated data).
var ErrDecrypt = errors.New("pii: cannot open sealed value")

// ErrUnknownKey means a sealed value names a key version the ring lacks.
var ErrUnknownKey = errors.New("pii: sealed under a key version the ring does not hold")

type key struct {
	aead cipher.AEAD
	mac  []byte // HMAC key derived from the data key with HKDF-SHA256
}

// Ring holds the data keys by version. New values are sealed and hashed under
// the current (highest) version; older versions stay readable so that data
// can be rotated. A Ring is safe for concurrent use.
type Ring struct {
	current int
	keys    map[int]key
}

// GenerateKey returns a new random data key as 64 hex characters, the form
// MARKET_DATA_KEY takes.
func GenerateKey() (string, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// ParseKey decodes a 64-hex-character data key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) != 2*KeySize {
		return nil, fmt.Errorf("pii: data key must be %d hex characters, got %d", 2*KeySize, len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("pii: data key is not hex")
	}
	return b, nil
}

// NewRing builds a ring from raw 32-byte keys by version (1–65535). The
// highest version is current.
func NewRing(keys map[int][]byte) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("pii: a key ring needs at least one key")
	}
	r := &Ring{keys: make(map[int]key, len(keys))}
	for v, raw := range keys {
		if v < 1 || v > 0xFFFF {
			return nil, fmt.Errorf("pii: key version %d out of range 1–65535", v)
		}
		if len(raw) != KeySize {
			return nil, fmt.Errorf("pii: key version %d is %d bytes, want %d", v, len(raw), KeySize)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		mac, err := hkdf.Key(sha256.New, raw, nil, hashInfo, 32)
		if err != nil {
			return nil, err
		}
		r.keys[v] = key{aead: aead, mac: mac}
		r.current = max(r.current, v)
	}
	return r, nil
}

// ParseRing reads a ring specification: either one 64-hex-character key
// (version 1, as MARKET_DATA_KEY usually holds) or a comma-separated list of
// version:hexkey pairs such as "2:ab12…,1:cd34…", the highest version being
// current.
func ParseRing(spec string) (*Ring, error) {
	spec = strings.TrimSpace(spec)
	if !strings.Contains(spec, ":") {
		k, err := ParseKey(spec)
		if err != nil {
			return nil, err
		}
		return NewRing(map[int][]byte{1: k})
	}
	keys := map[int][]byte{}
	for part := range strings.SplitSeq(spec, ",") {
		vs, hx, ok := strings.Cut(strings.TrimSpace(part), ":")
		v, err := strconv.Atoi(vs)
		if !ok || err != nil {
			return nil, fmt.Errorf("pii: key ring entry must be version:hexkey")
		}
		if _, dup := keys[v]; dup {
			return nil, fmt.Errorf("pii: key version %d given twice", v)
		}
		k, err := ParseKey(hx)
		if err != nil {
			return nil, fmt.Errorf("pii: key version %d: %w", v, err)
		}
		keys[v] = k
	}
	return NewRing(keys)
}

// Current is the version new values are sealed and hashed under.
func (r *Ring) Current() int { return r.current }

// Versions lists the ring's key versions, current first.
func (r *Ring) Versions() []int {
	vs := make([]int, 0, len(r.keys))
	for v := range r.keys {
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b int) int { return b - a })
	return vs
}

// Seal encrypts plaintext under the current key, bound to aad.
func (r *Ring) Seal(plaintext, aad string) ([]byte, error) {
	k := r.keys[r.current]
	out := make([]byte, versionLen+nonceLen, versionLen+nonceLen+len(plaintext)+k.aead.Overhead())
	binary.BigEndian.PutUint16(out, uint16(r.current))
	if _, err := rand.Read(out[versionLen:]); err != nil {
		return nil, fmt.Errorf("pii: nonce: %w", err)
	}
	return k.aead.Seal(out, out[versionLen:], []byte(plaintext), additional(out[:versionLen], aad)), nil
}

// Open decrypts a value sealed under any key of the ring with the same aad.
func (r *Ring) Open(sealed []byte, aad string) (string, error) {
	v, err := KeyVersion(sealed)
	if err != nil {
		return "", err
	}
	k, ok := r.keys[v]
	if !ok {
		return "", fmt.Errorf("%w (version %d)", ErrUnknownKey, v)
	}
	nonce := sealed[versionLen : versionLen+nonceLen]
	pt, err := k.aead.Open(nil, nonce, sealed[versionLen+nonceLen:], additional(sealed[:versionLen], aad))
	if err != nil {
		return "", ErrDecrypt
	}
	return string(pt), nil
}

// Reseal re-encrypts a sealed value under the current key. It returns the
// value unchanged and false when it already is under the current key.
func (r *Ring) Reseal(sealed []byte, aad string) ([]byte, bool, error) {
	v, err := KeyVersion(sealed)
	if err != nil {
		return nil, false, err
	}
	if v == r.current {
		if _, err := r.Open(sealed, aad); err != nil {
			return nil, false, err
		}
		return sealed, false, nil
	}
	pt, err := r.Open(sealed, aad)
	if err != nil {
		return nil, false, err
	}
	out, err := r.Seal(pt, aad)
	return out, err == nil, err
}

// KeyVersion reads the key version a value was sealed under.
func KeyVersion(sealed []byte) (int, error) {
	if len(sealed) < versionLen+nonceLen+16 {
		return 0, ErrDecrypt
	}
	return int(binary.BigEndian.Uint16(sealed)), nil
}

// Hash is the keyed HMAC-SHA256 of value under the current key, separated by
// purpose (such as "household.head_id") so that equal values of different
// fields do not match. Normalise value first: the hash matches exact bytes.
func (r *Ring) Hash(purpose, value string) []byte {
	return r.hashWith(r.keys[r.current], purpose, value)
}

// Hashes returns the hash of value under every key of the ring, current
// first, for lookups while rows hashed under older keys remain.
func (r *Ring) Hashes(purpose, value string) [][]byte {
	vs := r.Versions()
	out := make([][]byte, len(vs))
	for i, v := range vs {
		out[i] = r.hashWith(r.keys[v], purpose, value)
	}
	return out
}

// Fingerprint is a short check value of key version v: equal fingerprints mean
// the same key. It reveals nothing usable about the key.
func (r *Ring) Fingerprint(v int) ([]byte, error) {
	k, ok := r.keys[v]
	if !ok {
		return nil, fmt.Errorf("%w (version %d)", ErrUnknownKey, v)
	}
	return r.hashWith(k, "pii.key-fingerprint", "")[:16], nil
}

func (r *Ring) hashWith(k key, purpose, value string) []byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

func additional(version []byte, aad string) []byte {
	b := make([]byte, 0, len(version)+len(aad))
	return append(append(b, version...), aad...)
}
