package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// catalogTTL bounds how long a cached catalog page or query lives. Writes
// invalidate without waiting for it: every key holds the catalog's version
// (catalog.Service.CacheVersion), which any committed write moves.
const catalogTTL = 2 * time.Minute

// catalogLookup finds the catalog entry under parts at the catalog's current
// version; key is where a fresh one belongs, "" when nothing may be cached
// (the version or Redis is unavailable). The version is read before the
// caller reads the database, so an entry computed from data older than a
// change is stored under the older version.
//
// While the change listener is up the version comes from memory and is the
// whole story: a hit in the in-process copy costs no round trip, a hit in
// Redis one (cache.LookupAt). Otherwise the database's change counter is read
// and the Redis version that the catalog bumps after each commit goes into
// the key too, fetched with the entry in one round trip (cache.Lookup).
func (s *Server) catalogLookup(c *fiber.Ctx, parts ...string) (key string, b []byte, hit bool) {
	v, notified, err := s.Catalog.CacheVersion(ctx(c))
	if err != nil {
		return "", nil, false
	}
	parts = append([]string{v}, parts...)
	if notified {
		return s.Cache.LookupAt(ctx(c), catalog.CacheNamespace, parts...)
	}
	return s.Cache.Lookup(ctx(c), catalog.CacheNamespace, parts...)
}

// catalogCached returns the cached value of key, or fill's, cached.
func catalogCached[T any](s *Server, c *fiber.Ctx, key string, fill func() (T, error)) (T, error) {
	k, b, hit := s.catalogLookup(c, key)
	var out T
	if hit && json.Unmarshal(b, &out) == nil {
		return out, nil
	}
	out, err := fill()
	if err == nil && k != "" {
		if b, err := json.Marshal(out); err == nil {
			s.Cache.SetBytes(ctx(c), k, b, catalogTTL)
		}
	}
	return out, err
}

// catalogCachedJSON is catalogCached for API responses: the cached JSON is
// sent as it is (the same entries: json.Marshal is Fiber's encoder too).
func catalogCachedJSON[T any](s *Server, c *fiber.Ctx, key string, fill func() (T, error)) ([]byte, error) {
	k, b, hit := s.catalogLookup(c, key)
	if hit {
		c.Set("X-Cache", "hit")
		return b, nil
	}
	out, err := fill()
	if err != nil {
		return nil, err
	}
	if b, err = json.Marshal(out); err != nil {
		return nil, err
	}
	if k != "" {
		s.Cache.SetBytes(ctx(c), k, b, catalogTTL)
	}
	return b, nil
}

// sendJSON sends an encoded JSON body (not to be modified afterwards).
func sendJSON(c *fiber.Ctx, b []byte) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

// catalogRoutes adds the catalog's API, storefront pages, media and the
// cooperative portal.
func (s *Server) catalogRoutes(app *fiber.App) {
	api := app.Group("/api/v1")
	api.Get("/categories", s.apiCategories)
	api.Get("/products", s.apiProducts)
	api.Post("/products", s.requireRole(auth.RoleCoopAdmin), s.apiCreateProduct)
	api.Get("/products/:id", s.apiProduct)
	api.Patch("/products/:id", s.requireRole(auth.RoleCoopAdmin), s.apiUpdateProduct)
	api.Post("/products/:id/images", s.requireRole(auth.RoleCoopAdmin), s.apiUploadImage)
	api.Get("/products/:id/lots", s.requireRole(auth.RoleCoopAdmin), s.apiLots)
	api.Post("/products/:id/lots", s.requireRole(auth.RoleCoopAdmin), s.apiCreateLot)
	api.Post("/products/:id/certifications", s.requireRole(auth.RoleOffice, auth.RolePlatformAdmin), s.apiCertify)
	api.Get("/certifications", s.requireRole(auth.RoleOffice, auth.RolePlatformAdmin), s.apiCertifications)
	api.Post("/certifications/:id/confirm", s.requireRole(auth.RoleOffice, auth.RolePlatformAdmin), s.apiConfirmCertification)
	api.Get("/trace/:code", s.apiTrace)

	app.Get("/media/:name", s.mediaFile)
	app.Get("/trace/:code/qr.png", s.traceQR)
	s.storefrontRoutes(app)
	s.coopRoutes(app)
}

func catalogID(c *fiber.Ctx, name string) (int64, error) {
	id, ok := ids.Parse(c.Params(name))
	if !ok {
		return 0, errs.E(errs.NotFound, "not found")
	}
	return int64(id), nil
}

func (s *Server) apiCategories(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"items": catalog.Categories})
}

// filterFromQuery reads the list parameters of /api/v1/products and the
// storefront's list pages.
func filterFromQuery(c *fiber.Ctx) (catalog.Filter, error) {
	f := catalog.Filter{Region: c.Query("region"), Category: c.Query("category"), Q: c.Query("q"),
		Sort: catalog.Sort(c.Query("sort")), Cursor: c.Query("cursor")}
	fe := map[string]string{}
	num := func(name string, dst *int64) {
		if v := c.Query(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				fe[name] = "must be a whole number"
				return
			}
			*dst = n
		}
	}
	var limit, coop int64
	num("limit", &limit)
	num("cooperative", &coop)
	num("min_price", &f.MinPriceFen)
	num("max_price", &f.MaxPriceFen)
	f.Limit, f.CooperativeID = int(limit), coop
	if c.Query("limit") != "" && limit == 0 {
		fe["limit"] = "must be 1 to 50"
	}
	switch c.Query("certified") {
	case "":
	case "true", "1":
		t := true
		f.Certified = &t
	case "false", "0":
		t := false
		f.Certified = &t
	default:
		fe["certified"] = "must be true or false"
	}
	if len(fe) > 0 {
		return f, &errs.Error{Kind: errs.Invalid, Message: "the list parameters are not valid", Fields: fe}
	}
	return f, nil
}

// cacheKey is a short key for a request's normalised parameters.
func catalogCacheKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:12])
}

// listKey is the cache key of a list query.
func listKey(f catalog.Filter) string {
	return catalogCacheKey("list", f.Region, f.Category, strconv.FormatInt(f.CooperativeID, 10), catalogBool(f.Certified),
		strconv.FormatInt(f.MinPriceFen, 10), strconv.FormatInt(f.MaxPriceFen, 10), f.Q, string(f.Sort),
		strconv.Itoa(f.Limit), f.Cursor)
}

func (s *Server) listProducts(c *fiber.Ctx, f catalog.Filter) (catalog.Page, error) {
	return catalogCached(s, c, listKey(f), func() (catalog.Page, error) { return s.Catalog.List(ctx(c), f) })
}

func catalogBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func (s *Server) apiProducts(c *fiber.Ctx) error {
	f, err := filterFromQuery(c)
	if err != nil {
		return err
	}
	b, err := catalogCachedJSON(s, c, listKey(f), func() (catalog.Page, error) { return s.Catalog.List(ctx(c), f) })
	if err != nil {
		return err
	}
	return sendJSON(c, b)
}

// product reads one product; what buyers see is cached, a cooperative's
// view of its own products is not.
func (s *Server) product(c *fiber.Ctx, id int64) (catalog.Product, error) {
	a := actorOf(c)
	if a.Has(auth.RoleCoopAdmin) {
		return s.Catalog.GetProduct(ctx(c), a, id)
	}
	return catalogCached(s, c, productKey(id), s.buyersProduct(c, id))
}

func productKey(id int64) string { return "product:" + strconv.FormatInt(id, 10) }

func (s *Server) buyersProduct(c *fiber.Ctx, id int64) func() (catalog.Product, error) {
	return func() (catalog.Product, error) { return s.Catalog.GetProduct(ctx(c), auth.Actor{}, id) }
}

func (s *Server) apiProduct(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	if actorOf(c).Has(auth.RoleCoopAdmin) {
		p, err := s.product(c, id)
		if err != nil {
			return err
		}
		return c.JSON(p)
	}
	b, err := catalogCachedJSON(s, c, productKey(id), s.buyersProduct(c, id))
	if err != nil {
		return err
	}
	return sendJSON(c, b)
}

func (s *Server) apiCreateProduct(c *fiber.Ctx) error {
	var in catalog.ProductInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.Catalog.CreateProduct(ctx(c), actorOf(c), in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/products/" + p.ID.String())
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) apiUpdateProduct(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	var in catalog.ProductPatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.Catalog.UpdateProduct(ctx(c), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// uploadedFile reads the multipart field name, refusing files over the
// media limit before reading them.
func catalogUpload(c *fiber.Ctx, name string) ([]byte, error) {
	fh, err := c.FormFile(name)
	if err != nil {
		return nil, errs.Validation("a file is required", map[string]string{name: "required (multipart/form-data)"})
	}
	if fh.Size > media.MaxBytes {
		return nil, &errs.Error{Kind: errs.TooLarge, Message: "the file is larger than 5 MB",
			Fields: map[string]string{name: "must be at most 5 MB"}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, media.MaxBytes+1))
}

func (s *Server) apiUploadImage(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	data, err := catalogUpload(c, "file")
	if err != nil {
		return err
	}
	img, err := s.Catalog.AddImage(ctx(c), actorOf(c), id, data, c.FormValue("alt"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(img)
}

func (s *Server) apiLots(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	lots, err := s.Catalog.ListLots(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": lots})
}

func (s *Server) apiCreateLot(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	var in catalog.LotInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	lot, err := s.Catalog.CreateLot(ctx(c), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(lot)
}

func (s *Server) apiCertify(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	var in catalog.CertificationInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cert, err := s.Catalog.Certify(ctx(c), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cert)
}

func (s *Server) apiConfirmCertification(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	cert, err := s.Catalog.ConfirmCertification(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(cert)
}

func (s *Server) apiCertifications(c *fiber.Ctx) error {
	list, err := s.Catalog.Certifications(ctx(c), actorOf(c), c.Query("status"))
	if err != nil {
		return err
	}
	if list == nil {
		list = []catalog.Certification{}
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s *Server) trace(c *fiber.Ctx, code string) (catalog.Trace, error) {
	return catalogCached(s, c, "trace:"+catalogCacheKey(code),
		func() (catalog.Trace, error) { return s.Catalog.Trace(ctx(c), code) })
}

func (s *Server) apiTrace(c *fiber.Ctx) error {
	t, err := s.trace(c, c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// mediaFile serves an uploaded image or thumbnail. Names are content
// hashes, so a name's bytes never change: cache for a year.
func (s *Server) mediaFile(c *fiber.Ctx) error {
	name := c.Params("name")
	if !media.ValidName(name) {
		return fiber.ErrNotFound
	}
	r, size, err := s.Catalog.Media().Open(ctx(c), name)
	if errors.Is(err, media.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderETag, `"`+strings.SplitN(name, ".", 2)[0]+`"`)
	c.Type(strings.TrimPrefix(extOf(name), "."))
	return c.SendStream(r, int(size))
}

// traceQR draws the QR code of a lot's public trace page. ?download=1
// offers it as a file for printing.
func (s *Server) traceQR(c *fiber.Ctx) error {
	t, err := s.trace(c, c.Params("code"))
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(c.BaseURL()+catalog.TracePath(t.TraceCode), qrcode.Medium, 512)
	if err != nil {
		return err
	}
	if c.Query("download") != "" {
		c.Attachment("trace-" + t.TraceCode + ".png")
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Type("png")
	return c.Send(png)
}
