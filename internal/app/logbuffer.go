package app

import (
	"bufio"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// logBuffer batches log lines into few writes: marketd logs every request
// at info, and a write system call per line cost about a tenth of a cached
// page's time. Lines reach the output within flushEvery, at once when the
// buffer fills, and on Close; a crash loses at most flushEvery of lines.
type logBuffer struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

const flushEvery = 100 * time.Millisecond

func newLogBuffer(out io.Writer) *logBuffer {
	b := &logBuffer{w: bufio.NewWriterSize(out, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flusher()
	return b
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

func (b *logBuffer) flush() {
	b.mu.Lock()
	b.w.Flush()
	b.mu.Unlock()
}

func (b *logBuffer) flusher() {
	defer close(b.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.flush()
		case <-b.stop:
			b.flush()
			return
		}
	}
}

// Close writes what is buffered and stops the flusher.
func (b *logBuffer) Close() error {
	close(b.stop)
	<-b.done
	return nil
}

// NewServiceLogger is marketd's logger: NewLogger's, with lines batched
// (logBuffer). Call close before exiting.
func NewServiceLogger(level string) (log *slog.Logger, close func()) {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	buf := newLogBuffer(os.Stderr)
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: l})), func() { buf.Close() }
}
