package household

import (
	"bytes"
	"testing"

	"github.com/fupinmarket/market/internal/platform/errs"
)

func TestRotateKeys(t *testing.T) {
	f := newFixture(t)
	h := f.create(input(t, f, 5000))
	if _, err := f.svc.Import(f.ctx, f.lopOff, bytes.NewReader(encodeCSV(t, genRows(t, 250, f.villages), nil)), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	f.svc.ring = mustRing(t, "1:"+testKey1+",2:"+testKey2)
	if got, err := f.svc.Get(f.ctx, f.lopOff, h.ID, true, ""); err != nil || got.HeadName != "阿依古丽" {
		t.Fatalf("key-1 data under the two-key ring: %+v, %v", got, err)
	}
	if page, err := f.svc.List(f.ctx, f.lopOff, Filter{HeadIDNumber: idNumber(t, 5000)}); err != nil || len(page.Items) != 1 {
		t.Fatalf("lookup of a key-1 hash: %v", err)
	}
	n, err := f.svc.RotateKeys(f.ctx, 100)
	if err != nil || n != 251 {
		t.Fatalf("RotateKeys = %d, %v; want 251", n, err)
	}
	if left := f.count(`SELECT count(*) FROM households WHERE key_version <> 2`); left != 0 {
		t.Fatalf("%d households still under key 1", left)
	}
	if n, err := f.svc.RotateKeys(f.ctx, 100); err != nil || n != 0 {
		t.Fatalf("second RotateKeys = %d, %v", n, err)
	}
	f.svc.ring = mustRing(t, "2:"+testKey2)
	got, err := f.svc.Get(f.ctx, f.lopOff, h.ID, true, "")
	if err != nil || got.HeadName != "阿依古丽" || got.HeadIDNumber != idNumber(t, 5000) {
		t.Fatalf("after rotation, key 2 alone: %+v, %v", got, err)
	}
	if page, err := f.svc.List(f.ctx, f.lopOff, Filter{HeadIDNumber: idNumber(t, 5000)}); err != nil || len(page.Items) != 1 {
		t.Fatalf("lookup after rotation: %+v, %v", page, err)
	}
	if _, err := f.svc.Create(f.ctx, f.lopOff, Input{RegistryNo: "HX", VillageCode: f.villages[0], Members: 1,
		Status: StatusPoor, BaselineYear: 2019, HeadName: "王芳", HeadIDNumber: idNumber(t, 5000)}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("duplicate ID after rotation: %v", err)
	}
}
