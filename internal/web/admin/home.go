package admin

import (
	"github.com/gofiber/fiber/v2"
)

// HomeView is the administration home: its links are fixed, so it holds
// nothing.
type HomeView struct{}

func (s handlers) home(c *fiber.Ctx) error {
	p := s.Page(c, "")
	p.Title = p.T("admin.title")
	p.Data = HomeView{}
	return s.HTML(c, "admin/home", p)
}
