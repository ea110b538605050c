package shop

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/ledger"
	"github.com/fupinmarket/market/internal/web"
)

// LedgerView is the public page of the ledger's seals, newest first.
type LedgerView struct {
	Stats ledger.Stats
	Seals []SealRow
	Older int64 // the before= of the next page, 0 on the last
}

// SealRow is one seal as the page shows it.
type SealRow struct {
	ledger.Seal
	Hash     string
	SealedAt string // Beijing time
}

// sealsPerPage is how many seals the page lists at a time.
const sealsPerPage = 50

func (s handlers) ledgerPage(c *fiber.Ctx) error {
	before, err := strconv.ParseInt(c.Query("before"), 10, 64)
	if err != nil || before < 0 {
		before = 0 // no page, or not one of ours: the latest seals
	}
	seals, older, err := ledger.Latest(web.Ctx(c), s.DB, before, sealsPerPage)
	if err != nil {
		return err
	}
	st, err := ledger.Summary(web.Ctx(c), s.DB)
	if err != nil {
		return err
	}
	rows := make([]SealRow, len(seals))
	for i, sl := range seals {
		rows[i] = SealRow{Seal: sl, Hash: sl.Hash().String(), SealedAt: s.Clock.In(sl.SealedAt).Format("2006-01-02 15:04:05")}
	}
	p := s.Page(c, "")
	p.Title = p.T("ledger.title")
	p.Data = LedgerView{Stats: st, Seals: rows, Older: older}
	return s.HTML(c, "shop/ledger", p)
}
