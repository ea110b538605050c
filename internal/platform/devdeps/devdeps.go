// Package devdeps provides what marketd and marketctl need in development
// when the operator configured nothing: for now the data key that encrypts
// personal data at rest, kept in a file under the data directory so that it
// survives restarts (a new key would make every stored record unreadable).
package devdeps

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the name of the key file inside the data directory.
const KeyFile = "data.key"

// keyBytes is the size of an AES-256 key.
const keyBytes = 32

// DataKey returns the hex AES-256 key in dataDir/data.key, creating the file
// (mode 0600, directory 0700) with a random key on first use. An existing
// file that does not hold 64 hex characters is an error, never overwritten:
// replacing a key loses every record encrypted with it.
func DataKey(dataDir string) (string, error) {
	path := filepath.Join(dataDir, KeyFile)
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("data key: create %s: %w", dataDir, err)
	}
	raw := make([]byte, keyBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("data key: random: %w", err)
	}
	key = hex.EncodeToString(raw)

	// Write a temporary file and link it into place: the link fails if
	// another process created the key meanwhile, and no reader ever sees a
	// half-written file.
	tmp, err := os.CreateTemp(dataDir, KeyFile+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("data key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("data key: %w", err)
	}
	if _, err := tmp.WriteString(key); err != nil {
		tmp.Close()
		return "", fmt.Errorf("data key: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("data key: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("data key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKey(path) // lost the race: use the winner's key
		}
		return "", fmt.Errorf("data key: create %s: %w", path, err)
	}
	return key, nil
}

// readKey reads and checks a key file; surrounding whitespace (an editor's
// trailing newline) is ignored.
func readKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("data key: read %s: %w", path, err)
	}
	key := strings.TrimSpace(string(b))
	if raw, err := hex.DecodeString(key); err != nil || len(raw) != keyBytes {
		return "", fmt.Errorf("data key: %s must hold %d hex characters (a %d-byte key); refusing to replace it", path, 2*keyBytes, keyBytes)
	}
	return key, nil
}
