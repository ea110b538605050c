package household

import (
	"bytes"
	"errors"
	"testing"

	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestNoOracleOutsideTheJurisdiction: an office learns nothing of the
// households outside its jurisdiction from the registry's answers. An ID
// number that heads a household elsewhere is answered as one that heads
// none (the household is registered, and the duplicate is raised to the
// platform administrators); a registry number held elsewhere gets the same
// refusal as one held inside.
func TestNoOracleOutsideTheJurisdiction(t *testing.T) {
	f := newFixture(t)
	yark := f.office("yark@example.com", yarkand)
	admin := f.admin("admin@example.com")
	held := f.create(input(t, f, 1)) // 洛浦县, ID number 1

	elsewhere := Input{RegistryNo: "Y1", VillageCode: f.yarkVill, Members: 2, Status: StatusPoor,
		BaselineIncomeFen: 300000, BaselineYear: 2019, HeadName: "买买提", HeadIDNumber: idNumber(t, 1)}
	fresh := elsewhere
	fresh.RegistryNo, fresh.HeadIDNumber = "Y2", idNumber(t, 2)
	_, errHeld := f.svc.Create(f.ctx, yark, elsewhere)
	_, errFresh := f.svc.Create(f.ctx, yark, fresh)
	if errHeld != nil || errFresh != nil {
		t.Fatalf("莎车县 registering an ID number held in 洛浦县: %v; a fresh one: %v; want the same answer (accepted)", errHeld, errFresh)
	}
	conflicts, err := f.svc.IDConflicts(f.ctx, admin)
	if err != nil || len(conflicts) != 1 || conflicts[0].RegistryNo != "Y1" || conflicts[0].OtherRegistryNo != held.RegistryNo {
		t.Fatalf("conflicts raised to the admins: %+v, %v", conflicts, err)
	}
	if _, err := f.svc.IDConflicts(f.ctx, yark); !errs.Is(err, errs.Forbidden) {
		t.Errorf("an office reading the conflicts: %v", err)
	}

	t.Run("inside the jurisdiction a duplicate is still refused", func(t *testing.T) {
		dup := input(t, f, 3)
		dup.HeadIDNumber = idNumber(t, 1)
		_, err := f.svc.Create(f.ctx, f.lopOff, dup)
		var e *errs.Error
		if !errors.As(err, &e) || e.Fields["head_id_number"] == "" {
			t.Fatalf("洛浦县 registering its own head twice: %v", err)
		}
	})
	t.Run("update", func(t *testing.T) {
		id := idNumber(t, 1)
		other := fresh
		other.RegistryNo, other.HeadIDNumber = "Y3", idNumber(t, 4)
		h, err := f.svc.Create(f.ctx, yark, other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Update(f.ctx, yark, h.ID, Patch{HeadIDNumber: &id}); err == nil {
			t.Fatal("莎车县 giving a second household of its own the ID number it already holds was accepted")
		}
	})
	t.Run("import", func(t *testing.T) {
		f.create(input(t, f, 8)) // held in 洛浦县 only
		rows := []csvRow{{"registry_no": "Y9", "village_code": f.yarkVill, "head_name": "吐尔逊", "head_id_number": idNumber(t, 8),
			"members": "3", "status": "poor", "baseline_income_yuan": "3000.00", "baseline_year": "2019"}}
		if _, err := f.svc.Import(f.ctx, yark, bytes.NewReader(encodeCSV(t, rows, nil)), ImportOptions{}); err != nil {
			t.Fatalf("importing an ID number held elsewhere: %v, want it accepted as a new one would be", err)
		}
		if n := f.count(`SELECT count(*) FROM household_id_conflicts c JOIN households h ON h.id = c.household_id WHERE h.registry_no = 'Y9'`); n != 1 {
			t.Errorf("%d conflicts recorded for the import, want 1", n)
		}
	})
	t.Run("registry numbers", func(t *testing.T) {
		inside := input(t, f, 5)
		inside.RegistryNo = held.RegistryNo
		_, errIn := f.svc.Create(f.ctx, f.lopOff, inside)
		out := fresh
		out.RegistryNo, out.HeadIDNumber = held.RegistryNo, idNumber(t, 6)
		_, errOut := f.svc.Create(f.ctx, yark, out)
		rows := []csvRow{{"registry_no": held.RegistryNo, "village_code": f.yarkVill, "head_name": "吐尔逊", "head_id_number": idNumber(t, 7),
			"members": "3", "status": "poor", "baseline_income_yuan": "3000.00", "baseline_year": "2019"}}
		_, errImport := f.svc.Import(f.ctx, yark, bytes.NewReader(encodeCSV(t, rows, nil)), ImportOptions{})
		reason := func(err error, key string) string {
			var e *errs.Error
			if errors.As(err, &e) {
				return e.Fields[key]
			}
			return ""
		}
		in, outside, imported := reason(errIn, "registry_no"), reason(errOut, "registry_no"), reason(errImport, "row 1: registry_no")
		if in == "" || outside != in || imported != in {
			t.Errorf("a registry number held inside: %q; outside: %q; outside, imported: %q; want one answer", in, outside, imported)
		}
	})
}
