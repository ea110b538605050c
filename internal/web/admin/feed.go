package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/web"
)

// FeedView is the sales feed to the supervising platform at a glance:
// where it goes, how many events were delivered, wait, fail, how long the
// oldest has waited, and the cooperatives whose feed is held up.
type FeedView struct {
	URL       string // masked; empty when there is no feed
	Status    feed.Status
	OldestAge string // the oldest pending event's wait, rounded
}

func (s handlers) feed(c *fiber.Ctx) error {
	st, err := feed.ReadStatus(web.Ctx(c), s.DB, s.Clock.Now())
	if err != nil {
		return err
	}
	for i, b := range st.Blocked {
		if b.NextAttempt != nil {
			t := s.Clock.In(*b.NextAttempt)
			st.Blocked[i].NextAttempt = &t
		}
	}
	p := s.Page(c, "")
	p.Title = p.T("feed.title")
	v := FeedView{URL: s.FeedURL, Status: st}
	if st.OldestPending != nil {
		v.OldestAge = st.OldestPendingAge.Round(time.Second).String()
	}
	p.Data = v
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.HTML(c, "admin/feed", p)
}
