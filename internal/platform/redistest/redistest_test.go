package redistest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestClusterRefusesCrossSlot: the helper's cluster is a real one, of three
// masters serving every slot, opened through redisconn; it refuses a
// command naming keys of two slots (the server says CROSSSLOT) and a MULTI
// over two slots, and spreads keys over its masters.
func TestClusterRefusesCrossSlot(t *testing.T) {
	c := Start(t)
	rdb := c.Client(t)
	ctx := context.Background()
	prefix := Prefix(t)

	slots, err := rdb.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	served, masters := 0, map[string]bool{}
	for _, s := range slots {
		served += s.End - s.Start + 1
		masters[s.Nodes[0].Addr] = true
	}
	if served != 16384 || len(masters) != Masters {
		t.Fatalf("%d slots served by %d masters, want 16384 by %d", served, len(masters), Masters)
	}

	a, b := prefix+"a", prefix+"b"
	if ka, kb := rdb.ClusterKeySlot(ctx, a).Val(), rdb.ClusterKeySlot(ctx, b).Val(); ka == kb {
		t.Fatalf("%s and %s share slot %d; pick other names", a, b, ka)
	}
	// Sent as one command, to the server of a's slot: the server refuses.
	err = rdb.Do(ctx, "MSET", a, "1", b, "2").Err()
	if err == nil || !strings.HasPrefix(err.Error(), "CROSSSLOT") {
		t.Errorf("MSET over two slots: %v, want CROSSSLOT", err)
	}
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, a, "1", 0)
		p.Set(ctx, b, "2", 0)
		return nil
	})
	if !errors.Is(err, redis.ErrCrossSlot) {
		t.Errorf("MULTI over two slots: %v, want CROSSSLOT", err)
	}
	// One hash tag, one slot: allowed.
	if err := rdb.Do(ctx, "MSET", prefix+"{t}a", "1", prefix+"{t}b", "2").Err(); err != nil {
		t.Errorf("MSET in one slot: %v", err)
	}

	for i := range 30 {
		if err := rdb.Set(ctx, fmt.Sprintf("%sk%d", prefix, i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	byNode := Keys(t, rdb, prefix)
	n := 0
	for _, keys := range byNode {
		n += len(keys)
	}
	if len(byNode) != Masters || n != 32 {
		t.Errorf("keys on %d masters (%d keys), want all %d masters and 32 keys: %v", len(byNode), n, Masters, byNode)
	}
}
