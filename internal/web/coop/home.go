package coop

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/web"
)

// HomeView is the portal's first page: the cooperative's products.
type HomeView struct {
	Products []catalog.Product
	Saved    bool
}

func (s handlers) home(c *fiber.Ctx) error {
	list, err := s.Catalog.ListOwn(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("coop.title")
	p.Data = HomeView{Products: list, Saved: c.Query("saved") != ""}
	return s.HTML(c, "coop/home", p)
}
