package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
)

// certRoutes adds the office page for 扶贫产品认定: county offices certify
// products of their county, prefecture offices confirm the certificates of
// their counties (the domain, catalog/cert.go, decides who may do what).
func (s *Server) certRoutes(app *fiber.App) {
	officeOrAdmin := s.requirePageRole(auth.RoleOffice, auth.RolePlatformAdmin)
	app.Get("/office/certifications", officeOrAdmin, s.pageCertifications)
	app.Post("/office/certifications", officeOrAdmin, s.postCertify)
	app.Post("/office/certifications/:id/confirm", officeOrAdmin, s.postConfirmCertification)
}

// certRow is a certificate as the list shows it.
type certRow struct {
	catalog.Certification
	Issuer      string // the certifying county's name
	StatusLabel string
	Expired     bool
	CanConfirm  bool
	Error       string // why the last confirmation failed
}

// certForm is the certify form as typed, with its errors.
type certForm struct {
	ProductID, OtherProductID, CertificateNo, ValidFrom, ValidUntil string
	Errors                                                          map[string]string
}

func canCertify(a auth.Actor) bool {
	return a.IsAdmin() || (a.Has(auth.RoleOffice) && a.OfficeLevel == region.County)
}

func canConfirm(a auth.Actor) bool {
	return a.IsAdmin() || (a.Has(auth.RoleOffice) && a.OfficeLevel == region.Prefecture)
}

func (s *Server) pageCertifications(c *fiber.Ctx) error {
	return s.renderCertifications(c, s.page(c, ""), certForm{}, 0, "")
}

// postCertify records a certificate; the form comes back with its errors
// next to the fields, or the page is shown again with a notice.
func (s *Server) postCertify(c *fiber.Ctx) error {
	f := certForm{ProductID: strings.TrimSpace(c.FormValue("product_id")),
		OtherProductID: strings.TrimSpace(c.FormValue("other_product_id")),
		CertificateNo:  strings.TrimSpace(c.FormValue("certificate_no")),
		ValidFrom:      strings.TrimSpace(c.FormValue("valid_from")), ValidUntil: strings.TrimSpace(c.FormValue("valid_until"))}
	p := s.page(c, "")
	raw := f.ProductID
	if f.OtherProductID != "" {
		raw = f.OtherProductID
	}
	var err error
	if raw == "" {
		err = errs.Validation("the certificate is not valid", map[string]string{"product_id": "required"})
	} else if id, ok := ids.Parse(raw); !ok {
		err = errs.Validation("the certificate is not valid", map[string]string{"product_id": "must be a product id"})
	} else {
		_, err = s.Catalog.Certify(ctx(c), actorOf(c), int64(id), catalog.CertificationInput{
			CertificateNo: f.CertificateNo, ValidFrom: f.ValidFrom, ValidUntil: f.ValidUntil})
	}
	if err == nil {
		return c.Redirect(certsURL("certified"), fiber.StatusSeeOther)
	}
	fields, msg, status, ok := officeFormError(p, err)
	if !ok {
		return err
	}
	c.Status(status)
	if errs.Is(err, errs.Forbidden) {
		// Not the actor's to do at all (a prefecture office): no form to mark.
		return s.renderCertifications(c, p, f, 0, msg)
	}
	if len(fields) == 0 {
		// Not found, or outside the jurisdiction: the reason belongs to the product.
		fields = map[string]string{"product_id": msg}
	}
	f.Errors = fields
	return s.renderCertifications(c, p, f, 0, "")
}

func (s *Server) postConfirmCertification(c *fiber.Ctx) error {
	id, ok := ids.Parse(c.Params("id"))
	if !ok {
		return errs.E(errs.NotFound, "certificate not found")
	}
	_, err := s.Catalog.ConfirmCertification(ctx(c), actorOf(c), int64(id))
	if err == nil {
		return c.Redirect(certsURL("confirmed"), fiber.StatusSeeOther)
	}
	p := s.page(c, "")
	_, msg, status, ok := officeFormError(p, err)
	if !ok {
		return err
	}
	c.Status(status)
	return s.renderCertifications(c, p, certForm{}, id, msg)
}

func (s *Server) renderCertifications(c *fiber.Ctx, p Page, f certForm, errID ids.ID, errMsg string) error {
	a := actorOf(c)
	list, err := s.Catalog.Certifications(ctx(c), a, "")
	if err != nil {
		return err
	}
	// Pending first (they wait on someone), then confirmed; newest first within.
	slices.SortStableFunc(list, func(x, y catalog.Certification) int {
		return certRank(x.Status) - certRank(y.Status)
	})
	codes := make([]string, len(list))
	for i, ce := range list {
		codes[i] = ce.CountyCode
	}
	names, err := s.Regions.Names(ctx(c), codes)
	if err != nil {
		return err
	}
	today := s.Catalog.Today().Format("2006-01-02")
	rows := make([]certRow, len(list))
	pending := map[ids.ID]bool{}
	found := false
	for i, ce := range list {
		r := certRow{Certification: ce, Issuer: names[ce.CountyCode], StatusLabel: p.T("cert.status." + ce.Status),
			Expired:    ce.ValidUntil < today,
			CanConfirm: ce.Status == "certified" && canConfirm(a)}
		if ce.ID == errID {
			r.Error, found = errMsg, true
		}
		if ce.Status == "certified" && ce.ValidUntil >= today {
			pending[ce.ProductID] = true
		}
		rows[i] = r
	}
	data := map[string]any{"Rows": rows, "Form": f, "Errors": f.Errors, "CanCertify": canCertify(a)}
	if canCertify(a) {
		// The jurisdiction's products on sale without a valid certificate,
		// leaving out those already waiting for confirmation.
		tf := false
		page, err := s.Catalog.List(ctx(c), catalog.Filter{Region: a.OfficeRegion, Certified: &tf,
			Sort: catalog.SortNewest, Limit: catalog.MaxLimit})
		if err != nil {
			return err
		}
		var products []catalog.Product
		for _, pr := range page.Items {
			if !pending[pr.ID] {
				products = append(products, pr)
			}
		}
		data["Products"] = products
	}
	switch done := c.Query("done"); done {
	case "certified", "confirmed":
		data["Done"] = done
	}
	if errMsg != "" && !found {
		data["Error"] = errMsg
	}
	p.Title = p.T("office.certs")
	p.Data = data
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.html(c, "office_certs", p)
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
