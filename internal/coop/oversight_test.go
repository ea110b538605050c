package coop

import (
	"errors"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// TestStrangersMeetNoCooperative: to an actor who may not see a
// cooperative, every use case answers what it answers for a cooperative
// that does not exist (ErrNotFound, one error to the byte), whatever its
// status; its books, members and history are hidden even once it is
// approved; the offices governing it keep their access.
func TestStrangersMeetNoCooperative(t *testing.T) {
	f := newFixture(t)
	applicant := f.buyer("applicant@example.com")
	own := f.apply(applicant, lop, StatusApproved)
	stranger := map[string]auth.Actor{
		"another coop's admin": f.coopAdmin("other@example.com", own.ID),
		"莎车县 office":           f.office("yark@example.com", yarkand),
		"the applicant":        applicant,
		"anonymous":            {},
	}
	lopOff := f.office("lop@example.com", lop)
	const missing = ids.ID(999999)
	uses := map[string]func(a auth.Actor, id ids.ID) error{
		"Events": func(a auth.Actor, id ids.ID) error { _, err := f.svc.Events(f.ctx, a, id); return err },
		"ListMembers": func(a auth.Actor, id ids.ID) error {
			_, err := f.svc.ListMembers(f.ctx, a, id)
			return err
		},
		"Oversee": func(a auth.Actor, id ids.ID) error { return Oversee(f.ctx, f.db.Pool, a, int64(id)) },
	}
	// What an approved cooperative shows anyone (its page, its shipping
	// terms) or refuses (acting on it) is hidden only before approval and
	// after suspension.
	hidden := map[string]func(a auth.Actor, id ids.ID) error{
		"Get":      func(a auth.Actor, id ids.ID) error { _, err := f.svc.Get(f.ctx, a, id); return err },
		"Shipping": func(a auth.Actor, id ids.ID) error { _, err := f.svc.Shipping(f.ctx, a, int64(id)); return err },
		"SetMembers": func(a auth.Actor, id ids.ID) error {
			_, err := f.svc.SetMembers(f.ctx, a, id, nil)
			return err
		},
		"Recommend": func(a auth.Actor, id ids.ID) error { _, err := f.svc.Recommend(f.ctx, a, id); return err },
		"Approve":   func(a auth.Actor, id ids.ID) error { _, err := f.svc.Approve(f.ctx, a, id); return err },
		"Suspend":   func(a auth.Actor, id ids.ID) error { _, err := f.svc.Suspend(f.ctx, a, id, ""); return err },
	}
	for _, st := range []Status{StatusApplied, StatusRecommended, StatusRejected, StatusSuspended, StatusApproved} {
		c := f.apply(applicant, lop, st)
		check := func(name string, use func(auth.Actor, ids.ID) error) {
			for who, a := range stranger {
				if a.Anonymous() && name != "Get" && name != "Shipping" && name != "Events" && name != "ListMembers" && name != "Oversee" {
					continue // the use cases that act ask a visitor to sign in first, whatever the id
				}
				got, want := use(a, c.ID), use(a, missing)
				if !errors.Is(want, ErrNotFound) || !errors.Is(got, ErrNotFound) {
					t.Errorf("%s of a %s cooperative, %s: %v; of none: %v", name, st, who, got, want)
				}
			}
			if err := use(lopOff, c.ID); errors.Is(err, ErrNotFound) {
				t.Errorf("%s of a %s cooperative, its county's office: %v", name, st, err)
			}
		}
		for name, use := range uses {
			check(name, use)
		}
		if st != StatusApproved {
			for name, use := range hidden {
				check(name, use)
			}
		}
	}
}
