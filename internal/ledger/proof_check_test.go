package ledger

// The service draws proofs and never checks one: buyers' browsers
// (storefront/static/verify.js) and anyone with the published seals do
// (docs/LEDGER.md). This Go check serves the tests, which hold the paths
// the service draws against it; it lives with them.

// rootFromPath recomputes the root of a tree of size leaves from the hash
// of the leaf at index and its audit path (RFC 9162, 2.1.3.2); ok is false
// when the path cannot belong to such a tree.
func rootFromPath(leaf Hash, index, size int, path []Hash) (root Hash, ok bool) {
	if index < 0 || index >= size {
		return Hash{}, false
	}
	fn, sn, r := index, size-1, leaf
	for _, p := range path {
		if sn == 0 {
			return Hash{}, false
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			r = nodeHash(r, p)
		}
		fn, sn = fn>>1, sn>>1
	}
	return r, sn == 0
}

// verifyPath reports whether the leaf at index of a tree of size leaves,
// with the audit path, hashes to root.
func verifyPath(leaf Hash, index, size int, path []Hash, root Hash) bool {
	r, ok := rootFromPath(leaf, index, size, path)
	return ok && r == root
}

// VerifyPath is verifyPath for the package's external tests.
var VerifyPath = verifyPath
