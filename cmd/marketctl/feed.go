package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/platform/clock"
)

// feedCmd shows the sales feed's outbox (feed status) or sends what was
// delivered since a day once more (feed replay --since DATE).
func feedCmd(ctx context.Context, e *env, args []string) error {
	clk, err := clock.Load(e.cfg.Timezone)
	if err != nil {
		return err
	}
	switch {
	case len(args) == 1 && args[0] == "status":
		st, err := feed.ReadStatus(ctx, e.infra.DB, clk.Now())
		if err != nil {
			return err
		}
		printFeedStatus(e, st, clk)
		return nil
	case len(args) == 3 && args[0] == "replay" && args[1] == "--since":
		since, err := clk.ParseDate(args[2])
		if err != nil {
			return fmt.Errorf("--since must be a date (YYYY-MM-DD)")
		}
		n, err := feed.Replay(ctx, e.infra.DB, since)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "%d delivered event(s) since %s will be delivered again, with their ids\n", n, args[2])
		return nil
	}
	return errors.New("usage: marketctl feed status | marketctl feed replay --since YYYY-MM-DD")
}

func printFeedStatus(e *env, st feed.Status, clk clock.Clock) {
	url := "(MARKET_FEED_URL is not set: no feed)"
	if e.cfg.FeedURL != "" {
		url = config.Mask(e.cfg.FeedURL) // its user info and query may hold the platform's credentials
	}
	fmt.Fprintf(e.out, "feed:       %s\ndelivered:  %d\npending:    %d\nfailing:    %d\n", url, st.Delivered, st.Pending, st.Failing)
	if st.OldestPending != nil {
		fmt.Fprintf(e.out, "oldest pending: %s (waiting %s)\n", clk.In(*st.OldestPending).Format(time.DateTime),
			st.OldestPendingAge.Round(time.Second))
	}
	for _, b := range st.Blocked {
		next := "now"
		if b.NextAttempt != nil {
			next = clk.In(*b.NextAttempt).Format(time.DateTime)
		}
		fmt.Fprintf(e.out, "  blocked: cooperative %s %s: %s (%s) failed %d time(s), next %s, %d waiting: %s\n",
			b.CooperativeID, b.Name, b.EventID, b.Type, b.Attempts, next, b.Pending, b.LastError)
	}
}
