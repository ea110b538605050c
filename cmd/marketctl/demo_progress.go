package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// demoProgressBar draws a one-line progress bar on w (stderr), redrawn in
// place with a carriage return, with the rate and the time left:
//
//	households [##########..........]  52%   523,000/1,000,000  61,200/s  ETA 8s
//
// finish ends the line.
type demoProgressBar struct {
	w     io.Writer
	label string
	start time.Time
	drawn bool
}

func newDemoProgressBar(w io.Writer, label string) *demoProgressBar {
	return &demoProgressBar{w: w, label: label, start: time.Now()}
}

// update is a RegistryOptions.Progress.
func (b *demoProgressBar) update(done, total int) {
	if total <= 0 {
		return
	}
	const width = 30
	filled := width * done / total
	elapsed := time.Since(b.start)
	rate := float64(done) / max(elapsed.Seconds(), 1e-3)
	eta := "—"
	if done > 0 && done < total {
		eta = (time.Duration(float64(total-done)/rate) * time.Second).Truncate(time.Second).String()
	} else if done >= total {
		eta = "done in " + elapsed.Truncate(100*time.Millisecond).String()
	}
	fmt.Fprintf(b.w, "\r%s [%s%s] %3d%%  %s/%s  %s/s  %s\x1b[K", b.label,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*done/total,
		demoGroupDigits(done), demoGroupDigits(total), demoGroupDigits(int(rate)), eta)
	b.drawn = true
}

func (b *demoProgressBar) finish() {
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

// demoGroupDigits writes n with thousands separators: 1234567 → 1,234,567.
func demoGroupDigits(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + demoGroupDigits(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
