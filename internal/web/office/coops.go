package office

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/web"
)

// CoopsView is the cooperative review queue: one page of cooperatives of a
// status, with the steps the actor may take on each.
type CoopsView struct {
	Rows              []CoopRow
	Status            string // a coop.Status, or "all"
	Statuses          []coop.Status
	Base              string // where the queue is served (see reviewBase)
	Done              string // the step just taken, for the notice
	Error             string // why a step failed, when no row shows it
	Paged             bool
	FirstURL, NextURL string
}

// CoopRow is a cooperative in the review queue with what the actor may do.
type CoopRow struct {
	coop.Cooperative
	County       text.Names // the county's name as stored (the page picks the visitor's language)
	StatusLabel  string
	AppliedOn    string
	CanRecommend bool
	CanDecide    bool // approve or reject
	CanSuspend   bool
	Reason       string // the reason typed, when the form comes back
	Error        string // why the last step failed, next to the row's forms
}

var coopStatuses = []coop.Status{coop.StatusApplied, coop.StatusRecommended, coop.StatusApproved,
	coop.StatusRejected, coop.StatusSuspended}

// reviewSteps are the lifecycle steps the queue's forms post.
var reviewSteps = map[string]bool{"recommend": true, "approve": true, "reject": true, "suspend": true}

// reviewBase is the path the queue is served under: /office/cooperatives
// for offices, /admin/cooperatives from the administration pages.
func reviewBase(c *fiber.Ctx) string {
	if strings.HasPrefix(c.Path(), "/admin/") {
		return "/admin/cooperatives"
	}
	return "/office/cooperatives"
}

// defaultReviewStatus is what waits on the actor: applications for an
// office, recommendations for the platform.
func defaultReviewStatus(a auth.Actor) string {
	if a.IsAdmin() {
		return string(coop.StatusRecommended)
	}
	return string(coop.StatusApplied)
}

func (s handlers) reviewQueue(c *fiber.Ctx) error {
	status := c.Query("status", defaultReviewStatus(web.ActorOf(c)))
	return s.renderReview(c, s.Page(c, ""), status, c.Query("cursor"), 0, "", "")
}

// reviewStep takes a step and goes back to the queue it was taken from; a
// step refused comes back next to the cooperative's row.
func (s handlers) reviewStep(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	step := c.Params("step")
	if !reviewSteps[step] {
		return errs.E(errs.NotFound, "not found")
	}
	reason := c.FormValue("reason")
	status := c.FormValue("status", defaultReviewStatus(web.ActorOf(c)))
	_, err = s.Coops.Step(web.Ctx(c), web.ActorOf(c), step, ids.ID(id), reason)
	if err == nil {
		return c.Redirect(reviewBase(c)+"?status="+url.QueryEscape(status)+"&done="+step, fiber.StatusSeeOther)
	}
	p := s.Page(c, "")
	fields, msg, code, ok := formError(p, err)
	if !ok {
		return err
	}
	if r := fields["reason"]; r != "" {
		msg = r
	}
	c.Status(code)
	return s.renderReview(c, p, status, "", ids.ID(id), msg, reason)
}

func (s handlers) renderReview(c *fiber.Ctx, p web.Page, status, cursor string, errID ids.ID, errMsg, reason string) error {
	f := coop.Filter{Cursor: cursor}
	if status != "all" {
		f.Status = coop.Status(status)
	}
	page, err := s.Coops.List(web.Ctx(c), web.ActorOf(c), f)
	if err != nil {
		return err
	}
	rows, err := s.coopRows(c, p, page.Items)
	if err != nil {
		return err
	}
	v := CoopsView{Rows: rows, Status: status, Statuses: coopStatuses, Base: reviewBase(c), Paged: cursor != ""}
	if done := c.Query("done"); reviewSteps[done] {
		v.Done = done
	}
	v.Error = errMsg
	for i := range v.Rows {
		if v.Rows[i].ID == errID {
			v.Rows[i].Error, v.Rows[i].Reason, v.Error = errMsg, reason, ""
		}
	}
	q := url.Values{"status": {status}}
	v.FirstURL = v.Base + "?" + q.Encode()
	if page.NextCursor != "" {
		q.Set("cursor", page.NextCursor)
		v.NextURL = v.Base + "?" + q.Encode()
	}
	p.Title = p.T("office.coops")
	p.Data = v
	return s.HTML(c, "office/coops", p)
}

// coopRows prepares the queue's rows with the steps the actor may take:
// an office recommends its counties' applications, the platform decides
// on recommendations and suspends approved cooperatives.
func (s handlers) coopRows(c *fiber.Ctx, p web.Page, list []coop.Cooperative) ([]CoopRow, error) {
	a := web.ActorOf(c)
	codes := make([]string, len(list))
	for i, co := range list {
		codes[i] = co.CountyCode
	}
	names, err := s.Regions.StoredNames(web.Ctx(c), codes)
	if err != nil {
		return nil, err
	}
	rows := make([]CoopRow, len(list))
	for i, co := range list {
		rows[i] = CoopRow{Cooperative: co, County: names[co.CountyCode], StatusLabel: p.T("coop.status." + string(co.Status)),
			AppliedOn:    s.Clock.In(co.CreatedAt).Format("2006-01-02"),
			CanRecommend: co.Status == coop.StatusApplied && a.OfficePrefix() != "" && strings.HasPrefix(co.CountyCode, a.OfficePrefix()),
			CanDecide:    co.Status == coop.StatusRecommended && a.IsAdmin(),
			CanSuspend:   co.Status == coop.StatusApproved && a.IsAdmin()}
	}
	return rows, nil
}
