package region

import "testing"

func TestRomanize(t *testing.T) {
	tests := map[string]string{
		"布亚乡":        "Buya Township",
		"阿克陶镇":       "Aketao Town",
		"城区街道":       "Chengqu Subdistrict",
		"孜热甫夏提塔吉克族乡": "Zirefuxiati Tajik Ethnic Township",
		"团结村":        "Tuanjie Village",
		"洛浦县北京工业园区":  "Luopuxianbeijing Industrial Park",
	}
	for zh, want := range tests {
		if got := Romanize(zh); got != want {
			t.Errorf("Romanize(%s) = %q, want %q", zh, got, want)
		}
	}
}

func TestNamesFallBack(t *testing.T) {
	n := NamesOf("团结村", "", "")
	if n.Ug != "团结村" || n.En != "Tuanjie Village" || n.In("zh-CN") != "团结村" {
		t.Errorf("%+v", n)
	}
	n = NamesOf("洛浦县", "لوپ ناھىيىسى", "Lop County")
	if n.In("ug") != "لوپ ناھىيىسى" || n.In("en") != "Lop County" {
		t.Errorf("%+v", n)
	}
}

func TestEveryCuratedRowHasBothNames(t *testing.T) {
	rows, err := readCSV("data/xinjiang_region_names.csv")
	if err != nil {
		t.Fatal(err)
	}
	regions, err := readCSV("data/xinjiang_regions.csv")
	if err != nil {
		t.Fatal(err)
	}
	curated := map[string]bool{}
	for _, r := range rows {
		if r["name_ug"] == "" || r["name_en"] == "" {
			t.Errorf("%s: a curated row needs both names: %v", r["code"], r)
		}
		curated[r["code"]] = true
	}
	for _, r := range regions {
		if r["level"] != "township" && !curated[r["code"]] {
			t.Errorf("%s %s (%s) has no curated names", r["code"], r["name"], r["level"])
		}
	}
}
