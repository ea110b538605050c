package cache

import (
	"container/list"
	"sync"
	"time"
)

// lru is a small in-process copy of the hottest entries, bounded in bytes.
// It is keyed by the full Redis key, version included, so it invalidates
// exactly as Redis does: a bump changes the key and the old copy is never
// read again (it ages out). An entry lives no longer than its Redis copy
// (Lookup passes the remaining TTL), so time-dependent content (a
// certificate's validity) is bounded as before. Values are never modified
// after insertion; callers must not modify them either.
type lru struct {
	mu    sync.Mutex
	max   int // bytes
	size  int
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type lruEntry struct {
	key     string
	val     []byte
	expires time.Time
}

// maxEntryFraction: one entry may take at most 1/maxEntryFraction of the
// budget, so a single huge page cannot flush the rest.
const maxEntryFraction = 16

func newLRU(maxBytes int) *lru {
	return &lru{max: maxBytes, order: list.New(), items: map[string]*list.Element{}}
}

func (l *lru) get(key string, now time.Time) ([]byte, bool) {
	if l == nil || l.max <= 0 {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*lruEntry)
	if !now.Before(e.expires) {
		l.remove(el)
		return nil, false
	}
	l.order.MoveToFront(el)
	return e.val, true
}

// has reports whether key is held and fresh, without touching the order.
func (l *lru) has(key string, now time.Time) bool {
	if l == nil || l.max <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.items[key]
	return ok && now.Before(el.Value.(*lruEntry).expires)
}

func (l *lru) add(key string, val []byte, ttl time.Duration, now time.Time) {
	if l == nil || l.max <= 0 || ttl <= 0 || len(val)+len(key) > l.max/maxEntryFraction {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.items[key]; ok {
		l.remove(el)
	}
	e := &lruEntry{key: key, val: val, expires: now.Add(ttl)}
	l.items[key] = l.order.PushFront(e)
	l.size += len(val) + len(key)
	for l.size > l.max {
		l.remove(l.order.Back())
	}
}

func (l *lru) remove(el *list.Element) {
	e := l.order.Remove(el).(*lruEntry)
	delete(l.items, e.key)
	l.size -= len(e.val) + len(e.key)
}

func (l *lru) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}
