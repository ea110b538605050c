package org

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/web"
)

// The portal's forms: the year's target, inviting a member, accepting a
// delivered order. Each goes back to the portal with a notice, or shows the
// portal again with its errors.

func (s handlers) setTarget(c *fiber.Ctx) error {
	id, err := orgOf(c)
	if err != nil {
		return err
	}
	typedYuan, typedBudget := c.FormValue("target_yuan"), c.FormValue("canteen_budget_yuan")
	t, fields := parseTarget(typedYuan, typedBudget)
	year, yerr := strconv.Atoi(c.FormValue("year"))
	if yerr != nil {
		fields["year"] = "must be between 2000 and 2100"
	}
	// The form comes back on the year it was for, which may not be the
	// year the portal shows: saved again, it must set that year.
	typed := func(v *PortalView) {
		v.TargetYuan, v.BudgetYuan = typedYuan, typedBudget
		if yerr == nil {
			v.TargetYear = year
		}
	}
	if len(fields) > 0 {
		return s.formError(c, errs.Validation("the target is not valid", fields), typed)
	}
	if _, err := s.BuyerOrgs.SetTarget(web.Ctx(c), web.ActorOf(c), id, year, t); err != nil {
		return s.formError(c, err, typed)
	}
	return s.redirect(c, id, "target", strconv.Itoa(year))
}

// parseTarget reads the target form's amounts in yuan: a target, a canteen
// budget, or both (an empty target with a budget is the budget's share).
func parseTarget(targetYuan, budgetYuan string) (buyerorg.Target, map[string]string) {
	var t buyerorg.Target
	fields := map[string]string{}
	targetYuan, budgetYuan = strings.TrimSpace(targetYuan), strings.TrimSpace(budgetYuan)
	if budgetYuan != "" {
		fen, err := money.ParseCell(budgetYuan)
		if err != nil {
			fields["canteen_budget_fen"] = money.YuanRule
		}
		t.CanteenBudgetFen = &fen
	}
	switch {
	case targetYuan == "" && budgetYuan == "":
		fields["target_fen"] = "give a target, or the canteen's food budget for the year"
	case targetYuan != "":
		fen, err := money.ParseCell(targetYuan)
		if err != nil {
			fields["target_fen"] = money.YuanRule
		}
		t.TargetFen = fen
	}
	return t, fields
}

// invite invites an email to the organisation: the notice is the same
// whether or not an account has it (the invitee becomes a member by
// accepting on their /org).
func (s handlers) invite(c *fiber.Ctx) error {
	id, err := orgOf(c)
	if err != nil {
		return err
	}
	email := c.FormValue("email")
	err = s.BuyerOrgs.Invite(web.Ctx(c), web.ActorOf(c), id, email)
	switch {
	case errors.Is(err, buyerorg.ErrUnconfirmedEmail):
		// Said next to the address typed, above the offer to mail the
		// link again: not an error page the administrator cannot act on.
		c.Status(fiber.StatusForbidden)
		msg := web.TrMsg(s.Page(c, ""), buyerorg.ErrUnconfirmedEmail.Message)
		return s.renderPortal(c, func(v *PortalView) { v.Email, v.Errors = email, map[string]string{"email": msg} })
	case err != nil:
		return s.formError(c, err, func(v *PortalView) { v.Email = email })
	}
	return s.redirect(c, id, "invited", "")
}

// accept completes a member's delivered order. Whether it may (the order is
// the organisation's, delivered) is the domain's to say: a refusal is not
// the form's to show.
func (s handlers) accept(c *fiber.Ctx) error {
	orgID, err := orgOf(c)
	if err != nil {
		return err
	}
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	if err := s.BuyerOrgs.Accept(web.Ctx(c), web.ActorOf(c), id); err != nil {
		return err
	}
	return s.redirect(c, orgID, "accepted", "")
}

// acceptChosen completes the delivered orders ticked in the portal's list,
// all or none: one no longer waiting (accepted meanwhile, refunded) shows
// the list again, as it is now, with why nothing was done.
func (s handlers) acceptChosen(c *fiber.Ctx) error {
	orgID, err := orgOf(c)
	if err != nil {
		return err
	}
	var chosen []int64
	for _, v := range c.Request().PostArgs().PeekMulti("order") {
		id, ok := ids.Parse(string(v))
		if !ok {
			return errs.E(errs.NotFound, "order not found")
		}
		chosen = append(chosen, int64(id))
	}
	if _, err := s.BuyerOrgs.AcceptMany(web.Ctx(c), web.ActorOf(c), orgID, chosen); err != nil {
		fields, status, ok := web.FormErrorOr(s.Page(c, ""), err, "orders", errs.Invalid, errs.Conflict)
		if !ok {
			return err
		}
		c.Status(status)
		return s.renderPortal(c, func(v *PortalView) { v.Errors = fields })
	}
	return s.redirect(c, orgID, "accepted", "")
}

// formError shows the portal again with a validation error next to its
// fields (its message atop the page when it names none) and what was typed;
// any other error goes to the error handler.
func (s handlers) formError(c *fiber.Ctx, err error, typed func(*PortalView)) error {
	fields, _, ok := web.FormErrorOr(s.Page(c, ""), err, "form", errs.Invalid)
	if !ok {
		return err
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderPortal(c, func(v *PortalView) {
		typed(v)
		v.Errors = fields
	})
}

// redirect goes back to the portal with its notice, on the year a target
// was set for, keeping ?org= for a platform administrator.
func (s handlers) redirect(c *fiber.Ctx, id int64, done, year string) error {
	q := url.Values{"done": {done}}
	if year != "" {
		q.Set("year", year)
	}
	if v := orgParam(c, id); v != "" {
		q.Set("org", v)
	}
	return c.Redirect("/org?"+q.Encode(), fiber.StatusSeeOther)
}
