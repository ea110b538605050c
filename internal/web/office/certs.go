package office

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

// CertsView is the certification page (扶贫产品认定): the jurisdiction's
// certificates, pending first, and the form to certify a product. County
// offices certify products of their county, prefecture offices confirm the
// certificates of their counties (the domain, catalog/cert.go, decides who
// may do what).
type CertsView struct {
	Rows       []CertRow
	Form       CertForm
	Errors     map[string]string // the form's, by field
	CanCertify bool
	Products   []catalog.Product // on sale without a certificate, for the form
	Done       string            // "certified" or "confirmed", for the notice
	Error      string            // why a step failed, when no row shows it
}

// CertRow is a certificate as the list shows it.
type CertRow struct {
	catalog.Certification
	Issuer      text.Names // the certifying county's name as stored (the page picks the visitor's language)
	StatusLabel string
	Expired     bool
	CanConfirm  bool
	Error       string // why the last confirmation failed
}

// CertForm is the certify form as typed.
type CertForm struct {
	ProductID, OtherProductID, CertificateNo, ValidFrom, ValidUntil string
}

func canCertify(a auth.Actor) bool {
	return a.IsAdmin() || (a.Has(auth.RoleOffice) && a.OfficeLevel == region.County)
}

func canConfirm(a auth.Actor) bool {
	return a.IsAdmin() || (a.Has(auth.RoleOffice) && a.OfficeLevel == region.Prefecture)
}

func (s handlers) certifications(c *fiber.Ctx) error {
	return s.renderCertifications(c, s.Page(c, ""), CertsView{}, 0)
}

// certify records a certificate; the form comes back with its errors next
// to the fields, or the page is shown again with a notice.
func (s handlers) certify(c *fiber.Ctx) error {
	f := CertForm{ProductID: strings.TrimSpace(c.FormValue("product_id")),
		OtherProductID: strings.TrimSpace(c.FormValue("other_product_id")),
		CertificateNo:  strings.TrimSpace(c.FormValue("certificate_no")),
		ValidFrom:      strings.TrimSpace(c.FormValue("valid_from")), ValidUntil: strings.TrimSpace(c.FormValue("valid_until"))}
	p := s.Page(c, "")
	err := s.record(c, f)
	if err == nil {
		return c.Redirect(certsURL("certified"), fiber.StatusSeeOther)
	}
	fields, msg, status, ok := formError(p, err)
	if !ok {
		return err
	}
	c.Status(status)
	if errs.Is(err, errs.Forbidden) {
		// Not the actor's to do at all (a prefecture office): no form to mark.
		return s.renderCertifications(c, p, CertsView{Form: f, Error: msg}, 0)
	}
	if len(fields) == 0 {
		// Not found, or outside the jurisdiction: the reason belongs to the product.
		fields = map[string]string{"product_id": msg}
	}
	return s.renderCertifications(c, p, CertsView{Form: f, Errors: fields}, 0)
}

// record certifies the product the form names: the id typed, else the one
// chosen from the list.
func (s handlers) record(c *fiber.Ctx, f CertForm) error {
	raw := f.ProductID
	if f.OtherProductID != "" {
		raw = f.OtherProductID
	}
	if raw == "" {
		return errs.Validation("the certificate is not valid", map[string]string{"product_id": "required"})
	}
	id, ok := ids.Parse(raw)
	if !ok {
		return errs.Validation("the certificate is not valid", map[string]string{"product_id": "must be a product id"})
	}
	_, err := s.Catalog.Certify(web.Ctx(c), web.ActorOf(c), int64(id), catalog.CertificationInput{
		CertificateNo: f.CertificateNo, ValidFrom: f.ValidFrom, ValidUntil: f.ValidUntil})
	return err
}

func (s handlers) confirmCertification(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "certificate not found")
	if err != nil {
		return err
	}
	if _, err = s.Catalog.ConfirmCertification(web.Ctx(c), web.ActorOf(c), id); err == nil {
		return c.Redirect(certsURL("confirmed"), fiber.StatusSeeOther)
	}
	p := s.Page(c, "")
	_, msg, status, ok := formError(p, err)
	if !ok {
		return err
	}
	c.Status(status)
	return s.renderCertifications(c, p, CertsView{Error: msg}, ids.ID(id))
}

// renderCertifications shows the page with v's form and messages; v.Error
// goes next to certificate errID when the list shows it.
func (s handlers) renderCertifications(c *fiber.Ctx, p web.Page, v CertsView, errID ids.ID) error {
	a := web.ActorOf(c)
	list, err := s.Catalog.Certifications(web.Ctx(c), a, "")
	if err != nil {
		return err
	}
	rows, pending, err := s.certRows(c, p, list)
	if err != nil {
		return err
	}
	v.Rows, v.CanCertify = rows, canCertify(a)
	for i := range v.Rows {
		if v.Rows[i].ID == errID {
			v.Rows[i].Error, v.Error = v.Error, ""
		}
	}
	if v.CanCertify {
		if v.Products, err = s.uncertified(c, a, pending); err != nil {
			return err
		}
	}
	if done := c.Query("done"); done == "certified" || done == "confirmed" {
		v.Done = done
	}
	p.Title = p.T("office.certs")
	p.Data = v
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.HTML(c, "office/certs", p)
}

// certRows orders the certificates pending first (they wait on someone),
// then confirmed, newest first within; pending holds the products whose
// valid certificate awaits confirmation.
func (s handlers) certRows(c *fiber.Ctx, p web.Page, list []catalog.Certification) ([]CertRow, map[ids.ID]bool, error) {
	a := web.ActorOf(c)
	slices.SortStableFunc(list, func(x, y catalog.Certification) int {
		return certRank(x.Status) - certRank(y.Status)
	})
	codes := make([]string, len(list))
	for i, ce := range list {
		codes[i] = ce.CountyCode
	}
	names, err := s.Regions.StoredNames(web.Ctx(c), codes)
	if err != nil {
		return nil, nil, err
	}
	today := s.Catalog.Today().Format("2006-01-02")
	rows := make([]CertRow, len(list))
	pending := map[ids.ID]bool{}
	for i, ce := range list {
		rows[i] = CertRow{Certification: ce, Issuer: names[ce.CountyCode], StatusLabel: p.T("cert.status." + ce.Status),
			Expired: ce.ValidUntil < today, CanConfirm: ce.Status == "certified" && canConfirm(a)}
		if ce.Status == "certified" && ce.ValidUntil >= today {
			pending[ce.ProductID] = true
		}
	}
	return rows, pending, nil
}

// uncertified lists the jurisdiction's products on sale without a valid
// certificate, leaving out those already waiting for confirmation.
func (s handlers) uncertified(c *fiber.Ctx, a auth.Actor, pending map[ids.ID]bool) ([]catalog.Product, error) {
	tf := false
	page, err := s.Catalog.List(web.Ctx(c), catalog.Filter{Region: a.OfficeRegion, Certified: &tf,
		Sort: catalog.SortNewest, Limit: catalog.MaxLimit})
	if err != nil {
		return nil, err
	}
	var products []catalog.Product
	for _, pr := range page.Items {
		if !pending[pr.ID] {
			products = append(products, pr)
		}
	}
	return products, nil
}

func certRank(status string) int {
	if status == "certified" {
		return 0
	}
	return 1
}

// certsURL is the page's address with a notice, for redirects.
func certsURL(done string) string {
	return "/office/certifications?" + url.Values{"done": {done}}.Encode()
}
