package shop

import (
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

// HomeView is the home page: the catalog's featured products and this
// year's income figure, and the pavilions by prefecture and listed county.
type HomeView struct {
	ProductList
	IncomeFen        int64
	IncomeHouseholds int
	Prefectures      []region.PrefectureSummary
	Listed           []region.ListedCounty
}

// homeFigures is the home page's catalog part, cached as one entry.
type homeFigures struct {
	Featured         []catalog.Product
	IncomeFen        int64
	IncomeHouseholds int
}

// home is cached whole for visitors like the catalog's pages, also keyed by
// the generation of the region lists; a page missing its catalog figures
// (PostgreSQL down) is not stored.
func (s handlers) home(c *fiber.Ctx) error {
	prefs, listed, at, err := s.directory.get(c, s.Regions)
	if err != nil {
		return err
	}
	return s.cachedPage(c, "shop/home", "r"+strconv.FormatInt(at.UnixNano(), 36), func(p *web.Page) (bool, error) {
		v := HomeView{Prefectures: prefs, Listed: listed, ProductList: ProductList{Categories: catalog.Categories}}
		// The home page must render while PostgreSQL is down (the region
		// lists come from memory), so a failure here leaves these out.
		h, err := web.CatalogCached(s.Server, c, "home", func() (homeFigures, error) {
			var h homeFigures
			var err error
			if h.Featured, err = s.Catalog.Featured(web.Ctx(c), 8); err != nil {
				return h, err
			}
			h.IncomeFen, h.IncomeHouseholds, err = s.Catalog.IncomeThisYear(web.Ctx(c))
			return h, err
		})
		if err != nil {
			s.Log.Warn("home page without catalog figures", "err", err, "request_id", web.RequestIDOf(c))
		}
		v.Products, v.IncomeFen, v.IncomeHouseholds = h.Featured, h.IncomeFen, h.IncomeHouseholds
		p.Data = v
		return err == nil, nil
	})
}

// regionDirectory caches the home page's region lists in memory: they are
// reference data, and a stale copy lets the home page render while
// PostgreSQL is down.
type regionDirectory struct {
	mu     sync.Mutex
	at     time.Time
	prefs  []region.PrefectureSummary
	listed []region.ListedCounty
	maxAge time.Duration
}

func newRegionDirectory() *regionDirectory { return &regionDirectory{maxAge: 5 * time.Minute} }

// get returns the lists and when they were read (a generation for cache keys).
func (d *regionDirectory) get(c *fiber.Ctx, store *region.Store) ([]region.PrefectureSummary, []region.ListedCounty, time.Time, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.prefs != nil && time.Since(d.at) < d.maxAge {
		return d.prefs, d.listed, d.at, nil
	}
	prefs, err := store.Prefectures(web.Ctx(c))
	if err == nil {
		var listed []region.ListedCounty
		if listed, err = store.ListedCounties(web.Ctx(c)); err == nil {
			d.prefs, d.listed, d.at = prefs, listed, time.Now()
		}
	}
	if err != nil && d.prefs == nil {
		return nil, nil, time.Time{}, err
	}
	return d.prefs, d.listed, d.at, nil
}
