package catalog

import (
	"testing"

	"github.com/fupinmarket/market/internal/platform/postgres"
)

// The fence stands for one version and the own writes counted when it was
// read; anything newer makes it unknown, and reads go to the primary.
func TestFenceFollowsTheVersion(t *testing.T) {
	c := newChanges(nil, nil)
	if _, ok := c.at(); ok {
		t.Fatal("a fence before listening")
	}
	v := "n10"
	c.set(&v)
	if _, ok := c.at(); ok {
		t.Fatal("a fence before the version was marked")
	}
	c.fence.Store(&fence{version: "n10", lsn: postgres.LSN(42)})
	if lsn, ok := c.at(); !ok || lsn != 42 {
		t.Fatalf("fence %v %v, want 42", lsn, ok)
	}
	newer := "n11"
	c.set(&newer)
	if _, ok := c.at(); ok {
		t.Fatal("the fence of n10 served for n11")
	}
	c.fence.Store(&fence{version: "n11", lsn: postgres.LSN(50)})
	c.local.Add(1) // a write through this process after the fence was read
	if _, ok := c.at(); ok {
		t.Fatal("the fence covered an own write made after it")
	}
	c.set(nil)
	if _, ok := c.at(); ok {
		t.Fatal("a fence while not listening")
	}
}

func TestReaderWithoutReplicaIsThePrimary(t *testing.T) {
	s := New(nil, nil, nil)
	if s.reader() != s.db {
		t.Fatal("no replica configured, yet reads leave the primary")
	}
}
