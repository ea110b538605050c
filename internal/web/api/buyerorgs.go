package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/web"
)

func (s handlers) createOrg(c *fiber.Ctx) error {
	var in buyerorg.Org
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	o, err := s.BuyerOrgs.Create(web.Ctx(c), web.ActorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s handlers) getOrg(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "organisation not found")
	if err != nil {
		return err
	}
	o, err := s.BuyerOrgs.Get(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// inviteMember invites an email to the organisation (POST …/invitations,
// and the older POST …/members, which no longer adds anyone): 202 whether
// or not an account has that email.
func (s handlers) inviteMember(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "organisation not found")
	if err != nil {
		return err
	}
	var in struct {
		Email string `json:"email"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := s.BuyerOrgs.Invite(web.Ctx(c), web.ActorOf(c), id, in.Email); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusAccepted)
}

func (s handlers) invitations(c *fiber.Ctx) error {
	list, err := s.BuyerOrgs.Invitations(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	if list == nil {
		list = []buyerorg.Invitation{}
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s handlers) acceptInvitation(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "invitation not found")
	if err != nil {
		return err
	}
	o, err := s.BuyerOrgs.AcceptInvitation(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s handlers) leaveOrg(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "organisation not found")
	if err != nil {
		return err
	}
	if err := s.BuyerOrgs.Leave(web.Ctx(c), web.ActorOf(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s handlers) setOrgTarget(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "organisation not found")
	if err != nil {
		return err
	}
	year, err := strconv.Atoi(c.Params("year"))
	if err != nil {
		return errs.E(errs.NotFound, "no such year")
	}
	var in buyerorg.Target
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	t, err := s.BuyerOrgs.SetTarget(web.Ctx(c), web.ActorOf(c), id, year, in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"org_id": ids.ID(id), "year": year, "target_fen": t.TargetFen, "canteen_budget_fen": t.CanteenBudgetFen})
}

func (s handlers) orgProgress(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "organisation not found")
	if err != nil {
		return err
	}
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	p, err := s.BuyerOrgs.Progress(web.Ctx(c), web.ActorOf(c), id, year)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s handlers) orgAwaiting(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "organisation not found")
	if err != nil {
		return err
	}
	list, err := s.BuyerOrgs.Awaiting(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []buyerorg.AwaitingOrder{}
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s handlers) acceptOrder(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	if err := s.BuyerOrgs.Accept(web.Ctx(c), web.ActorOf(c), id); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": ids.ID(id), "status": "completed"})
}

// acceptOrders accepts several of the members' delivered orders at once,
// all or none.
func (s handlers) acceptOrders(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "organisation not found")
	if err != nil {
		return err
	}
	var in struct {
		OrderIDs []ids.ID `json:"order_ids"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	orders := make([]int64, len(in.OrderIDs))
	for i, o := range in.OrderIDs {
		orders[i] = int64(o)
	}
	n, err := s.BuyerOrgs.AcceptMany(web.Ctx(c), web.ActorOf(c), id, orders)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"accepted": n})
}
