package app

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogBufferFlushesByItselfAndOnClose(t *testing.T) {
	var out lockedBuffer
	b := newLogBuffer(&out)
	b.Write([]byte("first\n"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "first") {
		if time.Now().After(deadline) {
			t.Fatal("a line stayed in the buffer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Write([]byte("last\n"))
	b.Close()
	if out.String() != "first\nlast\n" {
		t.Fatalf("output %q", out.String())
	}
}
