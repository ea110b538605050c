package shop

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/web"
)

// A checkout form carries a token of its own (checkout_token), so that the
// copies of one form a phone sends (a double tap, a resend on a slow
// network) place one order: they all read the cart before the first
// empties it. Redis keeps, per buyer and token, that a copy is being
// placed, then where its order is; it may lose that (the guard then lapses,
// nothing else), as it may lose an Idempotency-Key's reply.
const checkoutOnceTTL = 24 * time.Hour

func (s handlers) checkoutKey(c *fiber.Ctx, token string) string {
	return s.RedisPrefix + "checkout:" + strconv.FormatInt(web.ActorOf(c).UserID, 10) + ":" + token
}

// claimCheckout claims the form's token for this copy. When another copy
// holds it, it returns where that copy's order is (or the orders list while
// it is still being placed) and false.
func (s handlers) claimCheckout(c *fiber.Ctx, token string) (string, bool) {
	if token == "" {
		return "", true
	}
	key := s.checkoutKey(c, token)
	claimed, err := s.Redis.SetNX(web.Ctx(c), key, "", s.RequestTimeout+5*time.Second).Result()
	if err != nil {
		s.Log.Warn("checkout tokens unavailable; placing without the guard against a form sent twice", "err", err)
		return "", true
	}
	if claimed {
		return "", true
	}
	if to, err := s.Redis.Get(web.Ctx(c), key).Result(); err == nil && to != "" {
		return to, false
	}
	return "/orders", false
}

// releaseCheckout gives the token back after a copy placed nothing (a
// refused form the buyer corrects and sends again).
func (s handlers) releaseCheckout(c *fiber.Ctx, token string) {
	if token != "" {
		s.Redis.Del(web.Ctx(c), s.checkoutKey(c, token))
	}
}

// placedCheckout records where the token's order is, for the copies still
// to come, and returns it.
func (s handlers) placedCheckout(c *fiber.Ctx, token string, o order.Order) string {
	to := "/orders/" + o.ID.String()
	if o.Payment.Provider == order.Stripe {
		to = "/checkout/pay/" + o.ID.String()
	}
	if token != "" {
		if err := s.Redis.Set(web.Ctx(c), s.checkoutKey(c, token), to, checkoutOnceTTL).Err(); err != nil {
			s.Log.Warn("could not keep the checkout token's order", "err", err)
		}
	}
	return to
}

// checkoutToken is the form's token, "" when it has none that could be one.
func checkoutToken(c *fiber.Ctx) string {
	t := c.FormValue("checkout_token")
	if len(t) != 32 {
		return ""
	}
	for _, r := range t {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return ""
		}
	}
	return t
}
