package clock

import (
	"testing"
	"time"
)

// 17:00 UTC on 12-03 is 01:00 on 12-04 in Beijing: the day people live in.
var oneAMBeijing = time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)

func TestTodayIsTheBeijingDay(t *testing.T) {
	c := Fixed(oneAMBeijing, nil)
	if got := c.Today(); got != "2026-12-04" {
		t.Fatalf("Today() = %s, want 2026-12-04", got)
	}
	if got := c.Now().Format("15:04 -07:00"); got != "01:00 +08:00" {
		t.Fatalf("Now() = %s", got)
	}
	if c.Year() != 2026 {
		t.Fatal(c.Year())
	}
}

func TestParseDateIsBeijingMidnight(t *testing.T) {
	c := Clock{}
	d, err := c.ParseDate("2026-12-04")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Equal(time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("ParseDate = %s, want 2026-12-03T16:00Z", d.UTC())
	}
	if !c.StartOfDay(oneAMBeijing).Equal(d) {
		t.Fatalf("StartOfDay = %s", c.StartOfDay(oneAMBeijing))
	}
	if _, err := c.ParseDate("2026-13-01"); err == nil {
		t.Fatal("a bad date parsed")
	}
}

func TestLoad(t *testing.T) {
	c, err := Load("UTC")
	if err != nil || c.Fixed().Today() != "2026-12-03" {
		t.Fatalf("%v %s", err, c.Fixed().Today())
	}
	if _, err := Load("Mars/Olympus"); err == nil {
		t.Fatal("an unknown zone loaded")
	}
}

// Fixed pins c at oneAMBeijing, keeping its zone.
func (c Clock) Fixed() Clock { return Fixed(oneAMBeijing, c.loc) }
