package text

import "testing"

func TestBidiControlsRefusedUyghurAccepted(t *testing.T) {
	tests := []struct {
		name, in string
		refused  bool
	}{
		{"Uyghur letters", "قىزىل چىلان", false},
		{"Arabic comma and question mark", "ياڭاق، بادام؟", false},
		{"zero-width non-joiner", "كىتاب\u200Cخانا", false},
		{"presentation forms", "\uFEB7\uFEE8\uFE9F\uFE8E\uFEEB", false},
		{"Chinese and digits", "和田红枣 1 千克", false},
		{"left-to-right and right-to-left marks", "12\u200F3\u200E", false},
		{"LRE", "a\u202Ab", true},
		{"RLE", "a\u202Bb", true},
		{"PDF", "a\u202Cb", true},
		{"LRO", "a\u202Db", true},
		{"RLO", "abc\u202Egpj.exe", true},
		{"LRI", "\u2066x", true},
		{"RLI", "\u2067x", true},
		{"FSI", "\u2068x", true},
		{"PDI", "x\u2069", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HasBidiControl(tc.in); got != tc.refused {
				t.Errorf("HasBidiControl(%q) = %v", tc.in, got)
			}
			if msg := CheckBidi(tc.in); (msg != "") != tc.refused {
				t.Errorf("CheckBidi(%q) = %q", tc.in, msg)
			}
		})
	}
}

func TestNamesFallBackToChinese(t *testing.T) {
	n := Names{Zh: "和田红枣", En: "Hotan red dates"}
	for lang, want := range map[string]string{"zh-CN": "和田红枣", "en": "Hotan red dates", "ug": "和田红枣", "fr": "和田红枣"} {
		if got := n.In(lang); got != want {
			t.Errorf("In(%s) = %q, want %q", lang, got, want)
		}
	}
}
