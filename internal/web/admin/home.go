package admin

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/web"
)

// HomeView is the administration home: its links, and the ID numbers that
// head households in two jurisdictions (no office is told of the other's
// household, so resolving them is the platform's).
type HomeView struct {
	Conflicts []household.IDConflict
}

func (s handlers) home(c *fiber.Ctx) error {
	conflicts, err := s.Households.IDConflicts(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("admin.title")
	p.Data = HomeView{Conflicts: conflicts}
	return s.HTML(c, "admin/home", p)
}
