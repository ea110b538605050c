package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/bits"
)

// Hash is a SHA-256 digest; it travels as lowercase hex in JSON.
type Hash [sha256.Size]byte

// MarshalText writes the hash as hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h[:])), nil }

// UnmarshalText reads a hash written as hex.
func (h *Hash) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(h) {
		return fmt.Errorf("a hash is %d hex digits, not %d", 2*len(h), len(b))
	}
	_, err := hex.Decode(h[:], b)
	return err
}

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// LeafHash is RFC 9162's hash of a leaf: SHA-256(0x00 ‖ leaf).
func LeafHash(leaf []byte) Hash {
	d := sha256.New()
	d.Write([]byte{0})
	d.Write(leaf)
	var h Hash
	d.Sum(h[:0])
	return h
}

// nodeHash is RFC 9162's hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
func nodeHash(left, right Hash) Hash {
	var buf [1 + 2*sha256.Size]byte
	buf[0] = 1
	copy(buf[1:], left[:])
	copy(buf[1+sha256.Size:], right[:])
	return sha256.Sum256(buf[:])
}

// split is the size of the left subtree of a tree of n > 1 leaves: the
// largest power of two smaller than n.
func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

// Root is the Merkle Tree Hash (RFC 9162, 2.1.1) of the leaves whose hashes
// are given, in order: a tree of n > 1 leaves is split after the largest
// power of two smaller than n, and odd nodes are never duplicated. The
// root of no leaves is the hash of nothing.
func Root(leaves []Hash) Hash {
	if len(leaves) == 0 {
		return sha256.Sum256(nil)
	}
	root, _ := walk(leaves, 0, nil)
	return root
}

// Paths returns the audit path (RFC 9162, 2.1.3.1) of each wanted leaf
// index, in one pass over the tree.
func Paths(leaves []Hash, want []int) map[int][]Hash {
	out := make(map[int][]Hash, len(want))
	for _, i := range want {
		if i >= 0 && i < len(leaves) {
			out[i] = []Hash{}
		}
	}
	if len(out) > 0 {
		walk(leaves, 0, out)
	}
	return out
}

// walk returns the hash of the subtree of leaves (the first at index
// offset of the whole tree) and appends, to every path in paths whose leaf
// lies in it, the sibling met at this level. Children come first, so every
// path runs from its leaf's sibling up to the root's other child.
func walk(leaves []Hash, offset int, paths map[int][]Hash) (Hash, bool) {
	n := len(leaves)
	if n == 1 {
		_, wanted := paths[offset]
		return leaves[0], wanted
	}
	k := split(n)
	left, inLeft := walk(leaves[:k], offset, paths)
	right, inRight := walk(leaves[k:], offset+k, paths)
	if inLeft || inRight {
		for i := range paths {
			switch {
			case i >= offset && i < offset+k:
				paths[i] = append(paths[i], right)
			case i >= offset+k && i < offset+n:
				paths[i] = append(paths[i], left)
			}
		}
	}
	return nodeHash(left, right), inLeft || inRight
}
