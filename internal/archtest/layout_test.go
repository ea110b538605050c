package archtest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository's top directory.
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// goFiles lists the non-test Go files under dir, by directory.
func goFiles(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "var" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != dir {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			out[filepath.Dir(p)] = append(out[filepath.Dir(p)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func lines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// Limits on size: a web file reads in one sitting, a package in one
// afternoon.
const (
	maxWebFileLines = 400
	maxPackageLines = 3000
	maxFileBytes    = 1 << 20
)

func TestFileAndPackageSizes(t *testing.T) {
	top := root(t)
	for dir, files := range goFiles(t, top) {
		rel, _ := filepath.Rel(top, dir)
		total := 0
		for _, f := range files {
			n := lines(t, f)
			total += n
			if strings.HasPrefix(rel, filepath.Join("internal", "web")) && n > maxWebFileLines {
				fr, _ := filepath.Rel(top, f)
				t.Errorf("%s has %d lines; web files stay under %d", fr, n, maxWebFileLines)
			}
		}
		if total > maxPackageLines {
			t.Errorf("package %s has %d lines (tests excluded); packages stay under %d", rel, total, maxPackageLines)
		}
	}
}

// TestNothingLargeCommitted keeps binaries and data dumps out of git.
func TestNothingLargeCommitted(t *testing.T) {
	top := root(t)
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = top
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if st, err := os.Stat(filepath.Join(top, f)); err == nil && st.Size() > maxFileBytes {
			t.Errorf("%s is %d bytes in git; nothing over 1 MB is committed", f, st.Size())
		}
	}
}

// TestCommandBinariesIgnored: `go build ./cmd/x` at the top writes ./x,
// which must never be committed again.
func TestCommandBinariesIgnored(t *testing.T) {
	top := root(t)
	ignored := map[string]bool{}
	f, err := os.Open(filepath.Join(top, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		ignored[strings.TrimSpace(sc.Text())] = true
	}
	cmds, err := os.ReadDir(filepath.Join(top, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if c.IsDir() && !ignored["/"+c.Name()] {
			t.Errorf(".gitignore lacks /%s (the binary `go build ./cmd/%s` leaves at the top)", c.Name(), c.Name())
		}
	}
}

// TestDocsStandAlone: the repository explains itself; no file points to
// a document outside it.
func TestDocsStandAlone(t *testing.T) {
	top := root(t)
	for _, d := range []string{"docs/DOMAIN.md", "docs/ARCHITECTURE.md", "README.md"} {
		if _, err := os.Stat(filepath.Join(top, d)); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	cmd := exec.Command("git", "grep", "-n", "-I", "-e", "../shared", "-e", "shared/design", "--", ".", ":!internal/archtest")
	cmd.Dir = top
	if out, err := cmd.Output(); err == nil && len(out) > 0 {
		t.Errorf("files refer to documents outside the repository:\n%s", out)
	}
}
