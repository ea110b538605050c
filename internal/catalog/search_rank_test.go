package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/catalog"
)

// TestSearchRanksTitleMatchesFirst: a query's word in the title outranks
// the same word found only in the description or the cooperative's name
// (洛浦县布亚乡红枣种植农民专业合作社 holds 枣), whatever the order of
// creation or sales; the ranking holds across pages.
func TestSearchRanksTitleMatchesFirst(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	titles := []string{"和田红枣 骏枣特级", "策勒大芸", "灰枣 一级", "策勒土鸡蛋", "若羌枣夹核桃"}
	for i, title := range titles {
		in := jujube()
		in.Title = title
		in.Description = "沙漠边缘的好东西"
		for j := range in.Variants {
			in.Variants[j].SKU += "-" + string(rune('A'+i))
		}
		if _, err := f.svc.CreateProduct(ctx, f.admin, in); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for cursor := ""; ; {
		pg, err := f.svc.List(ctx, catalog.Filter{Q: "枣", Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pg.Items {
			got = append(got, p.Title)
		}
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	if len(got) != len(titles) {
		t.Fatalf("found %v, want all %d (the cooperative's name holds 枣)", got, len(titles))
	}
	seenOther := false
	for _, title := range got {
		has := strings.Contains(title, "枣")
		if has && seenOther {
			t.Fatalf("%q (枣 in the title) comes after a product without: %v", title, got)
		}
		seenOther = seenOther || !has
	}
}
