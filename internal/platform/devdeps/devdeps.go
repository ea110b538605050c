// Package devdeps provides what marketd and marketctl need in development
// when the operator configured nothing: the data key that encrypts personal
// data at rest, and the password of the service's database role, each kept
// in a file under the data directory so that it survives restarts (a new
// key would make every stored record unreadable).
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
	return secretFile(dataDir, KeyFile, "data key", keyBytes)
}

// AppPasswordFile holds the password of the service's database role
// (market_app) on the private cluster of `make run`.
const AppPasswordFile = "market_app.password"

// AppPassword returns the password in dataDir/market_app.password, creating
// the file with a random one on first use (marketctl sets it on the role,
// marketd connects with it).
func AppPassword(dataDir string) (string, error) {
	return secretFile(dataDir, AppPasswordFile, "database password", 24)
}

// secretFile returns the hex secret of n random bytes in dataDir/name,
// creating it on first use; what names the secret in errors.
func secretFile(dataDir, name, what string, n int) (string, error) {
	path := filepath.Join(dataDir, name)
	key, err := readKey(path, what, n)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("%s: create %s: %w", what, dataDir, err)
	}
	raw := make([]byte, n)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("%s: random: %w", what, err)
	}
	key = hex.EncodeToString(raw)

	// Write a temporary file and link it into place: the link fails if
	// another process created the key meanwhile, and no reader ever sees a
	// half-written file.
	tmp, err := os.CreateTemp(dataDir, name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if _, err := tmp.WriteString(key); err != nil {
		tmp.Close()
		return "", fmt.Errorf("%s: write: %w", what, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("%s: sync: %w", what, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKey(path, what, n) // lost the race: use the winner's key
		}
		return "", fmt.Errorf("%s: create %s: %w", what, path, err)
	}
	return key, nil
}

// readKey reads and checks a key file; surrounding whitespace (an editor's
// trailing newline) is ignored.
func readKey(path, what string, n int) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("%s: read %s: %w", what, path, err)
	}
	key := strings.TrimSpace(string(b))
	if raw, err := hex.DecodeString(key); err != nil || len(raw) != n {
		return "", fmt.Errorf("%s: %s must hold %d hex characters (%d bytes); refusing to replace it", what, path, 2*n, n)
	}
	return key, nil
}
