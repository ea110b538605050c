package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/web"
)

func (s handlers) categories(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"items": catalog.Categories})
}

func (s handlers) products(c *fiber.Ctx) error {
	f, err := web.ListFilter(c)
	if err != nil {
		return err
	}
	b, err := web.CatalogCachedJSON(s.Server, c, web.ListKey(f), func() (catalog.Page, error) { return s.Catalog.List(web.Ctx(c), f) })
	if err != nil {
		return err
	}
	return web.SendJSON(c, b)
}

func (s handlers) product(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	if web.ActorOf(c).Has(auth.RoleCoopAdmin) {
		p, err := s.Product(c, id)
		if err != nil {
			return err
		}
		return c.JSON(p)
	}
	b, err := web.CatalogCachedJSON(s.Server, c, web.ProductKey(id), s.BuyersProduct(c, id))
	if err != nil {
		return err
	}
	return web.SendJSON(c, b)
}

func (s handlers) createProduct(c *fiber.Ctx) error {
	var in catalog.ProductInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.Catalog.CreateProduct(web.Ctx(c), web.ActorOf(c), in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/products/" + p.ID.String())
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s handlers) updateProduct(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	var in catalog.ProductPatch
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.Catalog.UpdateProduct(web.Ctx(c), web.ActorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s handlers) uploadImage(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	data, err := web.ImageUpload(c, "file")
	if err != nil {
		return err
	}
	img, err := s.Catalog.AddImage(web.Ctx(c), web.ActorOf(c), id, data, c.FormValue("alt"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(img)
}

func (s handlers) lots(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	lots, err := s.Catalog.ListLots(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": lots})
}

func (s handlers) createLot(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	var in catalog.LotInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	lot, err := s.Catalog.CreateLot(web.Ctx(c), web.ActorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(lot)
}

func (s handlers) certify(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	var in catalog.CertificationInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	cert, err := s.Catalog.Certify(web.Ctx(c), web.ActorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cert)
}

func (s handlers) confirmCertification(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	cert, err := s.Catalog.ConfirmCertification(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(cert)
}

func (s handlers) certifications(c *fiber.Ctx) error {
	list, err := s.Catalog.Certifications(web.Ctx(c), web.ActorOf(c), c.Query("status"))
	if err != nil {
		return err
	}
	if list == nil {
		list = []catalog.Certification{}
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s handlers) trace(c *fiber.Ctx) error {
	t, err := s.Trace(c, c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(t)
}
