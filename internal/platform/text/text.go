// Package text holds the rules for people's text that every domain shares:
// a name in several languages with its fallback, and the refusal of the
// Unicode controls that reorder what a reader sees.
package text

// Names is a name entered in Chinese and, optionally, in Uyghur (Arabic
// script) and English.
type Names struct {
	Zh string `json:"zh"`
	Ug string `json:"ug,omitempty"`
	En string `json:"en,omitempty"`
}

// In is the name in lang ("zh-CN", "ug" or "en"), the Chinese one when
// there is none in that language.
func (n Names) In(lang string) string {
	switch {
	case lang == "ug" && n.Ug != "":
		return n.Ug
	case lang == "en" && n.En != "":
		return n.En
	}
	return n.Zh
}
