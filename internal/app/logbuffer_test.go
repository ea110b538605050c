package app

import (
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/platform/logtest"
)

func TestLogBufferFlushesByItselfAndOnClose(t *testing.T) {
	var out logtest.Buffer
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
