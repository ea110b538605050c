package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/fupinmarket/market/internal/platform/errs"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog"
)

// CatalogTTL bounds how long a cached catalog page or query lives. Writes
// invalidate without waiting for it: every key holds the catalog's version
// (catalog.Service.CacheVersion), which any committed write moves.
const CatalogTTL = 2 * time.Minute

// CatalogLookup finds the catalog entry under parts at the catalog's current
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
func (s *Server) CatalogLookup(c *fiber.Ctx, parts ...string) (key string, b []byte, hit bool) {
	v, notified, err := s.Catalog.CacheVersion(Ctx(c))
	if err != nil {
		return "", nil, false
	}
	parts = append([]string{v}, parts...)
	if notified {
		return s.Cache.LookupAt(Ctx(c), catalog.CacheNamespace, parts...)
	}
	return s.Cache.Lookup(Ctx(c), catalog.CacheNamespace, parts...)
}

// CatalogCached returns the cached value of key, or fill's, cached.
func CatalogCached[T any](s *Server, c *fiber.Ctx, key string, fill func() (T, error)) (T, error) {
	k, b, hit := s.CatalogLookup(c, key)
	var out T
	if hit && json.Unmarshal(b, &out) == nil {
		return out, nil
	}
	out, err := fill()
	if err == nil && k != "" {
		if b, err := json.Marshal(out); err == nil {
			s.Cache.SetBytes(Ctx(c), k, b, CatalogTTL)
		}
	}
	return out, err
}

// CatalogCachedJSON is CatalogCached for API responses: the cached JSON is
// sent as it is (the same entries: json.Marshal is Fiber's encoder too).
func CatalogCachedJSON[T any](s *Server, c *fiber.Ctx, key string, fill func() (T, error)) ([]byte, error) {
	k, b, hit := s.CatalogLookup(c, key)
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
		s.Cache.SetBytes(Ctx(c), k, b, CatalogTTL)
	}
	return b, nil
}

// SendJSON sends an encoded JSON body (not to be modified afterwards).
func SendJSON(c *fiber.Ctx, b []byte) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

// CacheKey is a short key for a request's normalised parameters.
func CacheKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:12])
}

// Shared catalog reads of the API and the storefront pages: what buyers see
// is cached under the catalog's version.

// ListProducts is a catalog list query, cached.
func (s *Server) ListProducts(c *fiber.Ctx, f catalog.Filter) (catalog.Page, error) {
	return CatalogCached(s, c, ListKey(f), func() (catalog.Page, error) { return s.Catalog.List(Ctx(c), f) })
}

// ListKey is the cache key of a list query.
func ListKey(f catalog.Filter) string {
	return CacheKey("list", f.Region, f.Category, itoa64(f.CooperativeID), boolKey(f.Certified),
		itoa64(f.MinPriceFen), itoa64(f.MaxPriceFen), f.Q, string(f.Sort), itoa64(int64(f.Limit)), f.Cursor)
}

// Product reads one product; what buyers see is cached, a cooperative's
// view of its own products is not.
func (s *Server) Product(c *fiber.Ctx, id int64) (catalog.Product, error) {
	a := ActorOf(c)
	if a.Has(auth.RoleCoopAdmin) {
		return s.Catalog.GetProduct(Ctx(c), a, id)
	}
	return CatalogCached(s, c, ProductKey(id), s.BuyersProduct(c, id))
}

// ProductKey is the cache key of a product as buyers see it.
func ProductKey(id int64) string { return "product:" + itoa64(id) }

// BuyersProduct reads a product as buyers see it.
func (s *Server) BuyersProduct(c *fiber.Ctx, id int64) func() (catalog.Product, error) {
	return func() (catalog.Product, error) { return s.Catalog.GetProduct(Ctx(c), anonymous, id) }
}

// Trace reads a lot's public trace, cached.
func (s *Server) Trace(c *fiber.Ctx, code string) (catalog.Trace, error) {
	return CatalogCached(s, c, "trace:"+CacheKey(code),
		func() (catalog.Trace, error) { return s.Catalog.Trace(Ctx(c), code) })
}

var anonymous auth.Actor

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func boolKey(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// ListFilter reads the list parameters of /api/v1/products and the
// storefront's list pages.
func ListFilter(c *fiber.Ctx) (catalog.Filter, error) {
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
