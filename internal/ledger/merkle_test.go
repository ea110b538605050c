package ledger_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/fupinmarket/market/internal/ledger"
)

// The leaves of Certificate Transparency's reference test vectors, with the
// roots of their first 1..8 and two audit paths in the tree of all eight.
var (
	vectorLeaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
		"606162636465666768696a6b6c6d6e6f"}
	vectorRoots = []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	vectorPaths = map[int][]string{
		0: {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
		5: {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
	}
)

func TestRootMatchesTheReferenceVectors(t *testing.T) {
	var leaves []ledger.Hash
	for i, l := range vectorLeaves {
		b, _ := hex.DecodeString(l)
		leaves = append(leaves, ledger.LeafHash(b))
		if got := ledger.Root(leaves).String(); got != vectorRoots[i] {
			t.Errorf("root of %d leaves: %s, want %s", i+1, got, vectorRoots[i])
		}
	}
	paths := ledger.Paths(leaves, []int{0, 5})
	for i, want := range vectorPaths {
		if fmt.Sprint(hexes(paths[i])) != fmt.Sprint(want) {
			t.Errorf("path of leaf %d: %v, want %v", i, hexes(paths[i]), want)
		}
	}
	if got := ledger.Root(nil).String(); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("empty root %s", got)
	}
}

// referenceMTH and referencePath are RFC 9162's definitions (2.1.1 and
// 2.1.3.1) written out over the leaves' bytes, independently of the package.
func referenceMTH(d [][]byte) [32]byte {
	if len(d) == 1 {
		return sha256.Sum256(append([]byte{0}, d[0]...))
	}
	k := 1
	for k*2 < len(d) {
		k *= 2
	}
	l, r := referenceMTH(d[:k]), referenceMTH(d[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func referencePath(m int, d [][]byte) [][32]byte {
	if len(d) == 1 {
		return nil
	}
	k := 1
	for k*2 < len(d) {
		k *= 2
	}
	if m < k {
		return append(referencePath(m, d[:k]), referenceMTH(d[k:]))
	}
	return append(referencePath(m-k, d[k:]), referenceMTH(d[:k]))
}

// TestTreeAgainstTheReference: for 1..33 leaves the root and every leaf's
// path equal the reference's, every path verifies, and a changed leaf or a
// wrong index does not.
func TestTreeAgainstTheReference(t *testing.T) {
	for n := 1; n <= 33; n++ {
		t.Run(fmt.Sprintf("%d leaves", n), func(t *testing.T) {
			data := make([][]byte, n)
			leaves := make([]ledger.Hash, n)
			all := make([]int, n)
			for i := range data {
				data[i] = []byte(fmt.Sprintf("entry %d of %d", i, n))
				leaves[i] = ledger.LeafHash(data[i])
				all[i] = i
			}
			root := ledger.Root(leaves)
			if root != ledger.Hash(referenceMTH(data)) {
				t.Fatalf("root %s differs from the reference", root)
			}
			paths := ledger.Paths(leaves, all)
			for i := range data {
				want := referencePath(i, data)
				if len(paths[i]) != len(want) {
					t.Fatalf("leaf %d: path of %d hashes, reference %d", i, len(paths[i]), len(want))
				}
				for j := range want {
					if paths[i][j] != ledger.Hash(want[j]) {
						t.Fatalf("leaf %d: path differs from the reference at %d", i, j)
					}
				}
				if !ledger.VerifyPath(leaves[i], i, n, paths[i], root) {
					t.Errorf("leaf %d: its path does not verify", i)
				}
				changed := ledger.LeafHash(append([]byte("x"), data[i]...))
				if ledger.VerifyPath(changed, i, n, paths[i], root) {
					t.Errorf("leaf %d: a changed leaf verifies", i)
				}
				if n > 1 && ledger.VerifyPath(leaves[i], (i+1)%n, n, paths[i], root) {
					t.Errorf("leaf %d: verifies at index %d", i, (i+1)%n)
				}
			}
		})
	}
}

func hexes(hs []ledger.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}
