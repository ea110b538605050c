package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// httpCheckout checks out through the JSON API as clients do: POST
// /api/v1/orders as the buyer (with an Idempotency-Key), then POST
// /api/v1/orders/{id}/payments/confirm as the platform's admin. Requests
// that fail for reasons a client retries — no connection, a 5xx from the
// proxy while a node dies, an idempotent request still in progress on a
// node that died — are retried with the same key for up to retryFor, as a
// phone would; the confirmed orders are kept for check.
type httpCheckout struct {
	base     string
	client   *http.Client
	tokens   map[int64]string // buyer user id → bearer token
	admin    string
	retryFor time.Duration

	mu        sync.Mutex
	confirmed []int64
	retries   int64
}

// newHTTPCheckout issues bearer tokens for the buyers and the admin in the
// database (logins would count against the login rate limit).
func newHTTPCheckout(ctx context.Context, db *pgxpool.Pool, base string, buyers []auth.Actor, admin auth.Actor, workers int) (*httpCheckout, error) {
	tr := &http.Transport{MaxIdleConns: 4 * workers, MaxIdleConnsPerHost: 4 * workers, IdleConnTimeout: 30 * time.Second}
	h := &httpCheckout{base: strings.TrimSuffix(base, "/"), client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		tokens: map[int64]string{}, retryFor: 45 * time.Second}
	tokens := auth.NewTokens(db)
	for _, a := range append([]auth.Actor{admin}, buyers...) {
		tok, err := tokens.Issue(ctx, a.UserID, "")
		if err != nil {
			return nil, fmt.Errorf("bench token: %w", err)
		}
		h.tokens[a.UserID] = tok
	}
	h.admin = h.tokens[admin.UserID]
	return h, nil
}

var benchAddress = order.Address{Name: "压测", Phone: "13800000000", Province: "北京市", City: "北京市", District: "海淀区", Detail: "压测路 1 号"}

func (h *httpCheckout) checkout(ctx context.Context, buyer auth.Actor, variant int64) error {
	place := order.PlaceRequest{PaymentMethod: order.Manual, ShippingAddress: benchAddress,
		Items: []order.Item{{VariantID: ids.ID(variant), Quantity: 1}}}
	var o struct {
		ID ids.ID `json:"id"`
	}
	if err := h.call(ctx, h.tokens[buyer.UserID], "/api/v1/orders", place, &o); err != nil {
		return fmt.Errorf("place: %w", err)
	}
	// Confirming twice changes nothing (order.ConfirmManual), so a retry
	// after a lost answer is safe.
	path := fmt.Sprintf("/api/v1/orders/%d/payments/confirm", int64(o.ID))
	if err := h.call(ctx, h.admin, path, map[string]string{"reference": "BENCH"}, nil); err != nil {
		return fmt.Errorf("confirm order %d: %w", int64(o.ID), err)
	}
	h.mu.Lock()
	h.confirmed = append(h.confirmed, int64(o.ID))
	h.mu.Unlock()
	return nil
}

// errStatus is an answer a client does not retry.
type errStatus struct {
	status int
	body   string
}

func (e errStatus) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// call POSTs body with one Idempotency-Key, retrying what may succeed later.
func (h *httpCheckout) call(ctx context.Context, token, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	key := auth.RandomToken(12)
	pause := 20 * time.Millisecond
	give := time.Now().Add(h.retryFor)
	for {
		err := h.post(ctx, token, path, key, b, out)
		var st errStatus
		retry := err != nil && (!errors.As(err, &st) || st.status >= 500 || st.status == http.StatusConflict && strings.Contains(st.body, "in progress"))
		if !retry || time.Now().After(give) || ctx.Err() != nil {
			return err
		}
		h.mu.Lock()
		h.retries++
		h.mu.Unlock()
		time.Sleep(pause)
		pause = min(2*pause, time.Second)
	}
}

func (h *httpCheckout) post(ctx context.Context, token, path, key string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	res, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		return errStatus{status: res.StatusCode, body: strings.TrimSpace(string(data))}
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// lost counts the orders whose confirmation the API acknowledged but that
// the database does not hold as paid: a paid order lost.
func (h *httpCheckout) lost(ctx context.Context, db *pgxpool.Pool) (confirmed, lost int, err error) {
	h.mu.Lock()
	idList := append([]int64(nil), h.confirmed...)
	h.mu.Unlock()
	var paid int
	const q = `SELECT count(*) FROM orders WHERE id = ANY($1) AND payment_status = 'succeeded' AND paid_at IS NOT NULL`
	if err := db.QueryRow(ctx, q, idList).Scan(&paid); err != nil {
		return 0, 0, err
	}
	return len(idList), len(idList) - paid, nil
}
