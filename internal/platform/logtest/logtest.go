// Package logtest holds what tests need to read what code logs.
package logtest

import (
	"bytes"
	"sync"
)

// Buffer collects log lines written from any goroutine (a bytes.Buffer
// alone is not safe for that) and reads them back.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
