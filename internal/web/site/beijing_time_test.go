package site_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// oneAMBeijing is 01:00 on 2026-12-04 in Beijing: still 2026-12-03 in UTC,
// the hours in which dates read as UTC went wrong.
var oneAMBeijing = time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)

func startAt(t *testing.T, now time.Time) *webtest.Server {
	t.Helper()
	return webtest.Start(t, func(c *config.Config) { c.Now = func() time.Time { return now } })
}

// TestBeijingTime pins the server's clock at 01:00 Beijing time.
func TestBeijingTime(t *testing.T) {
	s := startAt(t, oneAMBeijing)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)

	t.Run("a bank transfer is held 72 hours, its deadline in Beijing time", func(t *testing.T) {
		r := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 1))
		if r.Status != 201 {
			t.Fatalf("place: %d %s", r.Status, r.Body)
		}
		var o struct {
			ID        string `json:"id"`
			Number    string `json:"number"`
			ExpiresAt string `json:"expires_at"`
		}
		r.JSON(t, &o)
		if o.ExpiresAt != "2026-12-07T01:00:00+08:00" {
			t.Errorf("expires_at %s, want 72 h later with +08:00", o.ExpiresAt)
		}
		if !strings.HasPrefix(o.Number, "FP20261204") {
			t.Errorf("number %s: want the Beijing day", o.Number)
		}
		page := buyer.Do("GET", "/orders/"+o.ID, nil)
		if !strings.Contains(string(page.Body), "2026-12-07 01:00") {
			t.Errorf("the order page does not show the deadline in Beijing time:\n%s", page.Body)
		}
	})

	t.Run("a payout dated today is accepted", func(t *testing.T) {
		o, err := w.Place(t, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "REF"); err != nil {
			t.Fatal(err)
		}
		s.CreateUser("coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
		coop, _ := s.Login("coop@coop.test", ordertest.Password)
		r := coop.Do("POST", fmt.Sprintf("/api/v1/cooperatives/%d/payouts", w.CoopID), map[string]any{
			"household_id": fmt.Sprint(w.Households[0]), "amount_fen": 100, "paid_on": "2026-12-04", "method": "cash"})
		if r.Status != 201 {
			t.Fatalf("payout dated the Beijing day: %d %s", r.Status, r.Body)
		}
		r = coop.Do("POST", fmt.Sprintf("/api/v1/cooperatives/%d/payouts", w.CoopID), map[string]any{
			"household_id": fmt.Sprint(w.Households[0]), "amount_fen": 100, "paid_on": "2026-12-05", "method": "cash"})
		if r.Status != 422 || !strings.Contains(string(r.Body), "paid_on") {
			t.Fatalf("payout dated tomorrow: %d %s", r.Status, r.Body)
		}
	})

	t.Run("a member who joined today is accepted", func(t *testing.T) {
		s.CreateUser("members@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
		coop, _ := s.Login("members@coop.test", ordertest.Password)
		path := fmt.Sprintf("/api/v1/cooperatives/%d/members", w.CoopID)
		members := func(joined string) map[string]any {
			var ms []map[string]any
			for _, h := range w.Households {
				ms = append(ms, map[string]any{"household_id": fmt.Sprint(h), "joined_on": joined})
			}
			return map[string]any{"members": ms}
		}
		if r := coop.Do("PUT", path, members("2026-12-04")); r.Status != 200 {
			t.Fatalf("members who joined on the Beijing day: %d %s", r.Status, r.Body)
		}
		if r := coop.Do("PUT", path, members("2026-12-05")); r.Status != 422 || !strings.Contains(string(r.Body), "joined_on") {
			t.Fatalf("members who join tomorrow: %d %s", r.Status, r.Body)
		}
	})
}

// TestReportTodayIsTheBeijingDay: at 01:00 on New Year's Day in Beijing
// (still the old year in UTC) a report without ?year= is of the new year.
func TestReportTodayIsTheBeijingDay(t *testing.T) {
	s := startAt(t, time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC))
	s.CreateUser("hotan@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653200"})
	office, _ := s.Login("hotan@office.test", ordertest.Password)
	r := office.Do("GET", "/api/v1/attribution/summary", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"year":2027`) {
		t.Fatalf("summary: %d %s", r.Status, r.Body)
	}
}

// TestOrderListTimesAreBeijing: the buyer's list of orders answers
// created_at with +08:00 like every other time of the API (README); it
// answered it in UTC ("Z"), the day before for an order placed after
// midnight in Beijing.
func TestOrderListTimesAreBeijing(t *testing.T) {
	s := startAt(t, oneAMBeijing)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	if r := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 1)); r.Status != 201 {
		t.Fatalf("place: %d %s", r.Status, r.Body)
	}
	var list struct {
		Items []struct {
			CreatedAt string `json:"created_at"`
		} `json:"items"`
	}
	buyer.Do("GET", "/api/v1/orders", nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].CreatedAt != "2026-12-04T01:00:00+08:00" {
		t.Fatalf("orders %+v, want one created at 2026-12-04T01:00:00+08:00", list.Items)
	}
}
