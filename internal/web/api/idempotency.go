package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// idemReply is a stored first answer to an Idempotency-Key.
type idemReply struct {
	State       string `json:"state"` // pending or done
	Fingerprint string `json:"fp"`
	Status      int    `json:"status,omitempty"`
	ContentType string `json:"ctype,omitempty"`
	Body        []byte `json:"body,omitempty"`
}

const idemTTL = 24 * time.Hour

// idempotent makes unsafe calls with an Idempotency-Key replayable: the
// first answer (below 500) is kept in Redis for a day and returned again for
// the same key, user and body. Redis holding it only briefly is fine: an
// order placed twice after a lost reply is the failure it guards against,
// and that window is the client's retry loop, seconds.
func (s handlers) idempotent(c *fiber.Ctx) error {
	key := c.Get("Idempotency-Key")
	if key == "" {
		return c.Next()
	}
	if len(key) > 128 {
		return &errs.Error{Kind: errs.Invalid, Message: "Idempotency-Key is too long", Fields: map[string]string{"Idempotency-Key": "at most 128 characters"}}
	}
	sum := sha256.Sum256(c.Body())
	fp := hex.EncodeToString(sum[:])
	rk := s.RedisPrefix + "idem:" + strconv.FormatInt(web.ActorOf(c).UserID, 10) + ":" + c.Method() + c.Path() + ":" + key
	pending, _ := json.Marshal(idemReply{State: "pending", Fingerprint: fp})
	// The claim lasts as long as the request may run (its deadline): a
	// node that dies mid-request leaves it behind, and the client's retry
	// must not wait longer than that to be served.
	claimed, err := s.Redis.SetNX(web.Ctx(c), rk, pending, s.RequestTimeout+5*time.Second).Result()
	if err != nil {
		s.Log.Warn("idempotency store unavailable; handling the request without replay protection", "err", err)
		return c.Next()
	}
	if !claimed {
		return s.replay(c, rk, fp)
	}
	if err := c.Next(); err != nil {
		if herr := s.HandleError(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	if status >= 500 {
		s.Redis.Del(web.Ctx(c), rk) // let the client retry for real
		return nil
	}
	done, _ := json.Marshal(idemReply{State: "done", Fingerprint: fp, Status: status,
		ContentType: string(c.Response().Header.ContentType()), Body: c.Response().Body()})
	if err := s.Redis.Set(web.Ctx(c), rk, done, idemTTL).Err(); err != nil {
		s.Log.Warn("could not keep the idempotent reply", "err", err)
	}
	return nil
}

func (s handlers) replay(c *fiber.Ctx, rk, fp string) error {
	b, err := s.Redis.Get(web.Ctx(c), rk).Bytes()
	if err != nil {
		return errs.E(errs.Conflict, "a request with this Idempotency-Key is in progress")
	}
	var r idemReply
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	switch {
	case r.Fingerprint != fp:
		return errs.Validation("Idempotency-Key was used with a different request", map[string]string{"Idempotency-Key": "reused with a different body"})
	case r.State != "done":
		return errs.E(errs.Conflict, "a request with this Idempotency-Key is in progress")
	}
	c.Set("Idempotent-Replayed", "true")
	c.Set(fiber.HeaderContentType, r.ContentType)
	return c.Status(r.Status).Send(r.Body)
}
