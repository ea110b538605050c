package devdeps

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestDataKeyCreatesOnceAndReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var")
	key, err := DataKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(key)
	if err != nil || len(key) != 64 || len(raw) != 32 {
		t.Fatalf("key %q: want 64 hex characters (%v)", key, err)
	}

	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, want 0700", di.Mode().Perm())
	}
	b, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	if string(b) != key {
		t.Errorf("file holds %q, want %q", b, key)
	}

	again, err := DataKey(dir)
	if err != nil || again != key {
		t.Fatalf("second DataKey = %q, %v; want the same key %q", again, err, key)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only %s (temporary files left?)", len(entries), KeyFile)
	}

	other, err := DataKey(t.TempDir())
	if err != nil || other == key {
		t.Fatalf("a second data dir got %q, %v; want a different random key", other, err)
	}
}

func TestDataKeyReadsAnExistingKey(t *testing.T) {
	dir := t.TempDir()
	want := strings.Repeat("ab", 32)
	if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte(want+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := DataKey(dir); err != nil || got != want {
		t.Fatalf("DataKey = %q, %v; want %q", got, err, want)
	}
}

func TestDataKeyRefusesABadKeyFile(t *testing.T) {
	for name, content := range map[string]string{
		"empty":     "",
		"short":     strings.Repeat("ab", 16),
		"not hex":   strings.Repeat("zz", 32),
		"too long":  strings.Repeat("ab", 33),
		"plaintext": "secret",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, KeyFile)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if key, err := DataKey(dir); err == nil {
				t.Fatalf("DataKey = %q, want an error", key)
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Fatalf("bad key file was changed to %q", b)
			}
		})
	}
}

// TestDataKeyConcurrentFirstUse: marketctl and marketd may start together
// on a fresh data dir; both must end up with the same key.
func TestDataKeyConcurrentFirstUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var")
	const n = 16
	keys := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = DataKey(dir)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if keys[i] != keys[0] {
			t.Fatalf("call %d got %q, call 0 got %q", i, keys[i], keys[0])
		}
	}
}
