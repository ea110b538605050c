package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
)

// officeRoutes adds the office portal's registry pages: households, CSV
// import, cooperative review and villages (/office itself is the reporting
// dashboard, pages_reports.go). Forms post and redirect (or render their
// errors next to the fields); nothing needs JavaScript.
func (s *Server) officeRoutes(app *fiber.App) {
	office := s.requirePageRole(auth.RoleOffice)
	officeOrAdmin := s.requirePageRole(auth.RoleOffice, auth.RolePlatformAdmin)
	app.Get("/office/households", officeOrAdmin, s.pageHouseholds)
	app.Post("/office/households/find", officeOrAdmin, s.postFindHousehold)
	app.Get("/office/households/:id", officeOrAdmin, s.pageHousehold)
	app.Post("/office/households/:id/reveal", officeOrAdmin, s.postRevealHousehold)
	app.Get("/office/import", office, s.pageImport)
	app.Post("/office/import", office, s.postImport)
	app.Get("/office/villages/new", office, s.pageNewVillage)
	app.Post("/office/villages", office, s.postVillage)
	admin := s.requirePageRole(auth.RolePlatformAdmin)
	app.Get("/office/cooperatives", officeOrAdmin, s.pageCoopReview)
	app.Post("/office/cooperatives/:id/:step", officeOrAdmin, s.postCoopReview)
	app.Get("/admin/cooperatives", admin, s.pageCoopReview)
	app.Post("/admin/cooperatives/:id/:step", admin, s.postCoopReview)
	s.certRoutes(app)
}

// requirePageRole sends visitors to the login page and refuses accounts without
// one of roles.
func (s *Server) requirePageRole(roles ...auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := actorOf(c)
		if a.Anonymous() {
			return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		for _, r := range roles {
			if a.Has(r) {
				return c.Next()
			}
		}
		return errs.E(errs.Forbidden, "your account may not do this")
	}
}

// --- messages ---------------------------------------------------------------

var (
	digitRun        = regexp.MustCompile(`[0-9]+`)
	msgPatterns     = []*regexp.Regexp{regexp.MustCompile(`^column (\S+) appears twice$`)}
	coopStateReason = regexp.MustCompile(`^cooperative ([0-9]+) is (\w+); only a cooperative that is (\w+) can be (\w+)$`)
)

// trMsg translates a domain message into the page's language: the catalog's
// "msg.<message>" when it has one; else the message with its numbers as %s
// ("must be at most %s characters"); else, for "reason: detail", both parts
// on their own. Messages the catalog lacks stay in English.
func trMsg(p Page, msg string) string {
	if t := p.Msg(msg); t != msg {
		return t
	}
	if m := coopStateReason.FindStringSubmatch(msg); m != nil {
		key := "msg.cooperative %s is %s; only a cooperative that is %s can be %s"
		if t := p.T(key); t != key {
			return fmt.Sprintf(t, m[1], p.T("coop.status."+m[2]), p.T("coop.status."+m[3]), p.T("coop.step."+m[4]))
		}
		return msg
	}
	for _, re := range msgPatterns {
		if m := re.FindStringSubmatch(msg); m != nil {
			tmpl := strings.Replace(strings.Trim(re.String(), "^$"), `(\S+)`, "%s", 1)
			if t := p.Msg(tmpl); t != tmpl {
				return fmt.Sprintf(t, m[1])
			}
		}
	}
	if nums := digitRun.FindAllString(msg, -1); len(nums) > 0 {
		tmpl := digitRun.ReplaceAllString(msg, "%s")
		if t := p.Msg(tmpl); t != tmpl {
			args := make([]any, len(nums))
			for i, n := range nums {
				args[i] = n
			}
			return fmt.Sprintf(t, args...)
		}
	}
	if head, detail, ok := strings.Cut(msg, ": "); ok {
		if t := p.Msg(head); t != head {
			sep := "：" // full-width colon for Chinese
			if p.Lang == "en" {
				sep = ": "
			}
			return t + sep + trMsg(p, detail)
		}
	}
	return msg
}

// officeFormError splits an error for a form: field reasons (translated) and the
// message, or ok=false when the error is not the user's to fix here.
func officeFormError(p Page, err error) (fields map[string]string, message string, status int, ok bool) {
	var e *errs.Error
	if !asErr(err, &e) {
		return nil, "", 0, false
	}
	switch e.Kind {
	case errs.Invalid, errs.Conflict, errs.Forbidden, errs.NotFound:
	default:
		return nil, "", 0, false
	}
	fields = make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		fields[k] = trMsg(p, v)
	}
	status, _, _ = classify(err)
	return fields, trMsg(p, e.Message), status, true
}

// --- formatting ---------------------------------------------------------------

// groupYuan writes fen as yuan with thousands separators: 1234567 → "12,345.67".
func groupYuan(fen int64) string {
	s := FormatYuan(fen)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	return sign + groupDigitString(whole) + "." + frac
}

// groupDigitString puts a comma between thousands of a run of digits.
func groupDigitString(d string) string {
	if len(d) <= 3 {
		return d
	}
	var b strings.Builder
	head := len(d) % 3
	if head > 0 {
		b.WriteString(d[:head])
	}
	for i := head; i < len(d); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(d[i : i+3])
	}
	return b.String()
}

// regionOption is one entry of a region filter, indented by depth.
type regionOption struct {
	Code, Label string
}

var levelDepth = map[region.Level]int{region.Province: 0, region.Prefecture: 1, region.County: 2, region.Township: 3, region.Village: 4}

// regionOptions lists the regions an actor may filter by: an office's
// jurisdiction down to its townships, all prefectures and counties for a
// platform administrator.
func (s *Server) regionOptions(c *fiber.Ctx, a auth.Actor) ([]regionOption, error) {
	levels := []region.Level{region.Province, region.Prefecture, region.County}
	prefix := ""
	if p := a.OfficePrefix(); p != "" {
		prefix = p
		levels = append(levels, region.Township)
		if a.OfficeLevel == region.Township || a.OfficeLevel == region.Village {
			levels = append(levels, region.Village)
		}
	}
	rs, err := s.Regions.Subtree(ctx(c), prefix, levels...)
	if err != nil {
		return nil, err
	}
	out := make([]regionOption, 0, len(rs))
	top := -1
	for _, r := range rs {
		d := levelDepth[r.Level]
		if top < 0 {
			top = d
		}
		out = append(out, regionOption{Code: r.Code, Label: strings.Repeat("\u00a0\u00a0", max(0, d-top)) + r.Name})
	}
	return out, nil
}

// --- households -----------------------------------------------------------------

// householdRow is a household as the list and the household page show it.
type householdRow struct {
	ID           ids.ID
	RegistryNo   string
	VillageCode  string
	Village      string
	Members      int
	Status       string
	LiftedYear   *int
	Income       string
	BaselineYear int
	HeadName     string
	HeadIDNumber string
	Revealed     bool
	CreatedAt    string
	UpdatedAt    string
}

func (s *Server) householdRows(c *fiber.Ctx, p Page, hs []household.Household) ([]householdRow, error) {
	codes := make([]string, 0, len(hs))
	for _, h := range hs {
		codes = append(codes, h.VillageCode)
	}
	names, err := s.Regions.Names(ctx(c), codes)
	if err != nil {
		return nil, err
	}
	rows := make([]householdRow, len(hs))
	for i, h := range hs {
		rows[i] = householdRow{ID: h.ID, RegistryNo: h.RegistryNo, VillageCode: h.VillageCode, Village: names[h.VillageCode],
			Members: h.Members, Status: p.T("household.status." + string(h.Status)), LiftedYear: h.LiftedYear,
			Income: groupYuan(h.BaselineIncomeFen), BaselineYear: h.BaselineYear, HeadName: h.HeadName,
			HeadIDNumber: h.HeadIDNumber, Revealed: h.Revealed,
			CreatedAt: h.CreatedAt.Local().Format("2006-01-02 15:04"), UpdatedAt: h.UpdatedAt.Local().Format("2006-01-02 15:04")}
	}
	return rows, nil
}

var householdStatuses = []household.Status{household.StatusPoor, household.StatusLifted,
	household.StatusMonitoredUnstable, household.StatusMonitoredEdge, household.StatusMonitoredHardship}

// householdFilter is the list page's search form as typed.
type householdFilter struct {
	Region, Status, RegistryNo, Cursor string
}

func (s *Server) pageHouseholds(c *fiber.Ctx) error {
	f := householdFilter{Region: strings.TrimSpace(c.Query("region")), Status: c.Query("status"),
		RegistryNo: strings.TrimSpace(c.Query("registry_no")), Cursor: c.Query("cursor")}
	return s.renderHouseholds(c, f, household.Filter{Region: f.Region, Status: household.Status(f.Status),
		RegistryNo: f.RegistryNo, Cursor: f.Cursor}, false)
}

// postFindHousehold looks a household up by its head's ID number, sent in
// the form body so that the number stays out of URLs and logs.
func (s *Server) postFindHousehold(c *fiber.Ctx) error {
	id := strings.TrimSpace(c.FormValue("head_id_number"))
	if id == "" {
		p := s.page(c, "")
		return s.renderHouseholdsWith(c, p, householdFilter{}, household.Page{}, map[string]string{"head_id_number": trMsg(p, "required")}, true)
	}
	return s.renderHouseholds(c, householdFilter{}, household.Filter{HeadIDNumber: id}, true)
}

func (s *Server) renderHouseholds(c *fiber.Ctx, f householdFilter, q household.Filter, byID bool) error {
	p := s.page(c, "")
	page, err := s.Households.List(ctx(c), actorOf(c), q)
	var fields map[string]string
	if err != nil {
		var ok bool
		var msg string
		if fields, msg, _, ok = officeFormError(p, err); !ok {
			return err
		}
		if len(fields) == 0 {
			fields = map[string]string{"form": msg}
		}
	}
	return s.renderHouseholdsWith(c, p, f, page, fields, byID)
}

func (s *Server) renderHouseholdsWith(c *fiber.Ctx, p Page, f householdFilter, page household.Page, fields map[string]string, byID bool) error {
	p.Title = p.T("office.households")
	rows, err := s.householdRows(c, p, page.Items)
	if err != nil {
		return err
	}
	opts, err := s.regionOptions(c, actorOf(c))
	if err != nil {
		return err
	}
	data := map[string]any{"Filter": f, "Rows": rows, "Regions": opts, "Statuses": householdStatuses,
		"Errors": fields, "ByID": byID, "Paged": f.Cursor != ""}
	q := url.Values{}
	for k, v := range map[string]string{"region": f.Region, "status": f.Status, "registry_no": f.RegistryNo} {
		if v != "" {
			q.Set(k, v)
		}
	}
	data["FirstURL"] = "/office/households?" + q.Encode()
	if page.NextCursor != "" {
		q.Set("cursor", page.NextCursor)
		data["NextURL"] = "/office/households?" + q.Encode()
	}
	p.Data = data
	c.Set(fiber.HeaderCacheControl, "no-store")
	if len(fields) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.html(c, "office_households", p)
}

func (s *Server) pageHousehold(c *fiber.Ctx) error { return s.showHousehold(c, false) }

// postRevealHousehold shows the whole name and ID number once, to an office
// whose jurisdiction holds the household; the domain writes the view to the
// audit log. The answer is not cached and the next GET shows masks again.
func (s *Server) postRevealHousehold(c *fiber.Ctx) error { return s.showHousehold(c, true) }

func (s *Server) showHousehold(c *fiber.Ctx, reveal bool) error {
	id, err := householdID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	h, err := s.Households.Get(ctx(c), a, id, reveal, c.IP())
	if err != nil {
		return err
	}
	p := s.page(c, "")
	rows, err := s.householdRows(c, p, []household.Household{h})
	if err != nil {
		return err
	}
	row := rows[0]
	var trail []region.Region
	for code := row.VillageCode; code != ""; {
		r, err := s.Regions.Get(ctx(c), code)
		if err != nil {
			break
		}
		trail = append([]region.Region{r}, trail...)
		code = r.ParentCode
	}
	p.Title = p.T("office.household", h.RegistryNo)
	p.Data = map[string]any{"H": row, "Trail": trail, "AskedReveal": reveal,
		"CanReveal": !h.Revealed && a.OfficePrefix() != ""}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.html(c, "office_household", p)
}

// --- import -------------------------------------------------------------------

var importColumnOrder = columnOrder(household.Columns[:])

func (s *Server) importPage(p Page) Page {
	p.Title = p.T("office.import")
	cols := make([][2]string, len(household.Columns))
	for i := range household.Columns {
		cols[i] = [2]string{household.Columns[i], household.ChineseColumns[i]}
	}
	data := map[string]any{"Columns": cols, "Statuses": householdStatuses}
	if m, ok := p.Data.(map[string]any); ok {
		for k, v := range m {
			data[k] = v
		}
	}
	p.Data = data
	return p
}

func (s *Server) pageImport(c *fiber.Ctx) error {
	return s.html(c, "office_import", s.importPage(s.page(c, "")))
}

// postImport imports the uploaded file and shows the counts, or the report
// of every bad row (nothing was written then).
func (s *Server) postImport(c *fiber.Ctx) error {
	res, err := s.importUpload(c, household.ImportOptions{})
	p := s.page(c, "")
	if err == nil {
		p.Data = map[string]any{"Result": res}
		return s.html(c, "office_import", s.importPage(p))
	}
	fields, msg, status, ok := officeFormError(p, err)
	if !ok {
		return err
	}
	data := map[string]any{"Message": msg}
	if errs.Is(err, errs.Invalid) && status == fiber.StatusBadRequest {
		// No usable upload: the reason belongs next to the file input.
		reason := fields["file"]
		if reason == "" {
			reason = msg
		}
		data["FileError"] = reason
	} else {
		data["Problems"] = rowProblems(p, fields, "import.col.", importColumnOrder)
	}
	p.Data = data
	c.Status(status)
	return s.html(c, "office_import", s.importPage(p))
}

// --- villages -------------------------------------------------------------------

// townshipGroup is a county and its townships, for the village form.
type townshipGroup struct {
	County    string
	Townships []region.Region
}

func (s *Server) pageNewVillage(c *fiber.Ctx) error {
	p := s.page(c, "")
	var created *region.Region
	if code := c.Query("created"); code != "" {
		if r, err := s.Regions.Get(ctx(c), code); err == nil && r.Level == region.Village {
			created = &r
		}
	}
	return s.renderVillageForm(c, p, c.Query("township"), "", nil, created)
}

func (s *Server) postVillage(c *fiber.Ctx) error {
	town, name := strings.TrimSpace(c.FormValue("township_code")), c.FormValue("name")
	v, err := s.Households.CreateVillage(ctx(c), actorOf(c), town, name)
	if err == nil {
		return c.Redirect("/office/villages/new?created="+url.QueryEscape(v.Code)+"&township="+url.QueryEscape(town), fiber.StatusSeeOther)
	}
	p := s.page(c, "")
	fields, msg, status, ok := officeFormError(p, err)
	if !ok {
		return err
	}
	if len(fields) == 0 {
		fields = map[string]string{"township_code": msg}
	}
	c.Status(status)
	return s.renderVillageForm(c, p, town, name, fields, nil)
}

func (s *Server) renderVillageForm(c *fiber.Ctx, p Page, town, name string, fields map[string]string, created *region.Region) error {
	a := actorOf(c)
	rs, err := s.Regions.Subtree(ctx(c), a.OfficePrefix(), region.County, region.Township)
	if err != nil {
		return err
	}
	var groups []townshipGroup
	for _, r := range rs {
		switch {
		case r.Level == region.County:
			groups = append(groups, townshipGroup{County: r.Name})
		case len(groups) == 0:
			// A township office: its own township, without a county heading.
			groups = append(groups, townshipGroup{})
			fallthrough
		default:
			groups[len(groups)-1].Townships = append(groups[len(groups)-1].Townships, r)
		}
	}
	p.Title = p.T("office.new_village")
	p.Data = map[string]any{"Groups": groups, "Township": town, "Name": name, "Errors": fields, "Created": created}
	return s.html(c, "office_village", p)
}

// --- cooperative review -----------------------------------------------------------

// coopRow is a cooperative in the review queue with what the actor may do.
type coopRow struct {
	coop.Cooperative
	County       string
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

func (s *Server) pageCoopReview(c *fiber.Ctx) error {
	return s.renderCoopReview(c, s.page(c, ""), c.Query("status", defaultReviewStatus(actorOf(c))), c.Query("cursor"), 0, "", "")
}

func (s *Server) postCoopReview(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	step := c.Params("step")
	switch step {
	case "recommend", "approve", "reject", "suspend":
	default:
		return errs.E(errs.NotFound, "not found")
	}
	reason := c.FormValue("reason")
	status := c.FormValue("status", defaultReviewStatus(actorOf(c)))
	_, err = s.coopStep(c, step, id, reason)
	if err == nil {
		return c.Redirect(reviewBase(c)+"?status="+url.QueryEscape(status)+"&done="+step, fiber.StatusSeeOther)
	}
	p := s.page(c, "")
	fields, msg, code, ok := officeFormError(p, err)
	if !ok {
		return err
	}
	if r := fields["reason"]; r != "" {
		msg = r
	}
	c.Status(code)
	return s.renderCoopReview(c, p, status, "", id, msg, reason)
}

func (s *Server) renderCoopReview(c *fiber.Ctx, p Page, status, cursor string, errID ids.ID, errMsg, reason string) error {
	a := actorOf(c)
	f := coop.Filter{Cursor: cursor}
	if status != "all" {
		f.Status = coop.Status(status)
	}
	page, err := s.Coops.List(ctx(c), a, f)
	if err != nil {
		return err
	}
	codes := make([]string, len(page.Items))
	for i, co := range page.Items {
		codes[i] = co.CountyCode
	}
	names, err := s.Regions.Names(ctx(c), codes)
	if err != nil {
		return err
	}
	rows := make([]coopRow, len(page.Items))
	found := false
	for i, co := range page.Items {
		r := coopRow{Cooperative: co, County: names[co.CountyCode], StatusLabel: p.T("coop.status." + string(co.Status)),
			AppliedOn:    co.CreatedAt.Local().Format("2006-01-02"),
			CanRecommend: co.Status == coop.StatusApplied && a.OfficePrefix() != "" && strings.HasPrefix(co.CountyCode, a.OfficePrefix()),
			CanDecide:    co.Status == coop.StatusRecommended && a.IsAdmin(),
			CanSuspend:   co.Status == coop.StatusApproved && a.IsAdmin()}
		if co.ID == errID {
			r.Error, r.Reason, found = errMsg, reason, true
		}
		rows[i] = r
	}
	data := map[string]any{"Rows": rows, "Status": status, "Statuses": coopStatuses, "Base": reviewBase(c),
		"Paged": cursor != ""}
	switch done := c.Query("done"); done {
	case "recommend", "approve", "reject", "suspend":
		data["Done"] = done
	}
	if errMsg != "" && !found {
		data["Error"] = errMsg
	}
	q := url.Values{"status": {status}}
	data["FirstURL"] = reviewBase(c) + "?" + q.Encode()
	if page.NextCursor != "" {
		q.Set("cursor", page.NextCursor)
		data["NextURL"] = reviewBase(c) + "?" + q.Encode()
	}
	p.Title = p.T("office.coops")
	p.Data = data
	return s.html(c, "office_coops", p)
}
