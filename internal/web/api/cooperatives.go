package api

import (
	"bytes"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/web"
)

func coopPathID(c *fiber.Ctx) (ids.ID, error) {
	id, ok := ids.Parse(c.Params("id"))
	if !ok {
		return 0, errs.E(errs.NotFound, "cooperative not found")
	}
	return id, nil
}

func (s handlers) applyCoop(c *fiber.Ctx) error {
	var in coop.Application
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	co, err := s.Coops.Apply(web.Ctx(c), web.ActorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(co)
}

func (s handlers) listCoops(c *fiber.Ctx) error {
	limit, err := web.QueryLimit(c)
	if err != nil {
		return err
	}
	page, err := s.Coops.List(web.Ctx(c), web.ActorOf(c), coop.Filter{Region: c.Query("region"),
		Status: coop.Status(c.Query("status")), Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return err
	}
	if page.Items == nil {
		page.Items = []coop.Cooperative{}
	}
	return c.JSON(page)
}

func (s handlers) getCoop(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	co, err := s.Coops.Get(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(co)
}

// coopStep answers POST /cooperatives/{id}/{step}. Reject needs a body
// {"reason": "..."}; suspend takes one optionally; the others take none.
func (s handlers) coopStep(step string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := coopPathID(c)
		if err != nil {
			return err
		}
		var in struct {
			Reason string `json:"reason"`
		}
		if step == "reject" || len(bytes.TrimSpace(c.Body())) > 0 {
			if err := web.BindJSON(c, &in); err != nil {
				return err
			}
		}
		co, err := s.Coops.Step(web.Ctx(c), web.ActorOf(c), step, id, in.Reason)
		if err != nil {
			return err
		}
		return c.JSON(co)
	}
}

func (s handlers) coopEvents(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	evs, err := s.Coops.Events(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []coop.Event{}
	}
	return c.JSON(fiber.Map{"items": evs})
}

// memberJSON is a membership with its join date as a calendar date.
type memberJSON struct {
	HouseholdID ids.ID `json:"household_id"`
	JoinedOn    string `json:"joined_on,omitempty"`
}

// membersBody is the members document: the ids, and the join date of each.
// In a PUT, household_ids and members may both be given (members win on
// the join date); a member without joined_on keeps its date or joins today.
type membersBody struct {
	HouseholdIDs []ids.ID     `json:"household_ids"`
	Members      []memberJSON `json:"members"`
}

const memberDateLayout = "2006-01-02"

func membersOut(ms []coop.Membership) membersBody {
	out := membersBody{HouseholdIDs: make([]ids.ID, len(ms)), Members: make([]memberJSON, len(ms))}
	for i, m := range ms {
		out.HouseholdIDs[i] = m.HouseholdID
		out.Members[i] = memberJSON{HouseholdID: m.HouseholdID, JoinedOn: m.JoinedOn.Format(memberDateLayout)}
	}
	return out
}

func (s handlers) coopMembers(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	ms, err := s.Coops.ListMembers(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(membersOut(ms))
}

func (s handlers) setCoopMembers(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	var in membersBody
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if in.HouseholdIDs == nil && in.Members == nil {
		return &errs.Error{Kind: errs.Invalid, Message: "invalid members",
			Fields: map[string]string{"household_ids": "required (an empty list removes every member)"}}
	}
	var list []coop.Membership
	at := map[ids.ID]int{}
	add := func(m coop.Membership) {
		if i, ok := at[m.HouseholdID]; ok {
			if !m.JoinedOn.IsZero() {
				list[i].JoinedOn = m.JoinedOn
			}
			return
		}
		at[m.HouseholdID] = len(list)
		list = append(list, m)
	}
	for _, h := range in.HouseholdIDs {
		add(coop.Membership{HouseholdID: h})
	}
	f := errs.FieldErrors{}
	for i, m := range in.Members {
		var d time.Time
		if m.JoinedOn != "" {
			if d, err = time.Parse(memberDateLayout, m.JoinedOn); err != nil {
				f.Add("members["+strconv.Itoa(i)+"].joined_on", "must be a date such as 2024-03-01")
				continue
			}
		}
		add(coop.Membership{HouseholdID: m.HouseholdID, JoinedOn: d})
	}
	if err := f.Err("invalid members"); err != nil {
		return err
	}
	if list == nil {
		list = []coop.Membership{}
	}
	ms, err := s.Coops.SetMembers(web.Ctx(c), web.ActorOf(c), id, list)
	if err != nil {
		return err
	}
	return c.JSON(membersOut(ms))
}

// setCoopNames answers PUT /cooperatives/{id}/names: the Uyghur and
// English names.
func (s handlers) setCoopNames(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	var in coop.NamesInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	co, err := s.Coops.SetNames(web.Ctx(c), web.ActorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(co)
}
