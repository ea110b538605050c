package region

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"

	"github.com/fupinmarket/market/internal/platform/text"
)

// Names is a place's name in the three languages of the service. Zh is
// the statistics bureau's name; Ug and En are curated where the reference
// data has them, else Ug is the Chinese name and En its romanisation.
type Names struct {
	Zh string `json:"zh"`
	Ug string `json:"ug"`
	En string `json:"en"`
}

// NamesOf completes stored names: an empty Uyghur name falls back to the
// Chinese one, an empty English name to Romanize(zh).
func NamesOf(zh, ug, en string) Names {
	if ug == "" {
		ug = zh
	}
	if en == "" {
		en = Romanize(zh)
	}
	return Names{Zh: zh, Ug: ug, En: en}
}

// In is the name in lang ("zh-CN", "en" or "ug"), Chinese for any other.
func (n Names) In(lang string) string {
	switch lang {
	case "en":
		return n.En
	case "ug":
		return n.Ug
	}
	return n.Zh
}

// Names of the region, with fallbacks.
func (r Region) Names() Names { return NamesOf(r.Name, r.NameUg, r.NameEn) }

// NameIn is the region's name in lang.
func (r Region) NameIn(lang string) string { return r.Names().In(lang) }

// Stored is the region's names as stored: the Chinese, and the Uyghur and
// English where the regions table has them (no romanisation filled in).
func (r Region) Stored() text.Names { return text.Names{Zh: r.Name, Ug: r.NameUg, En: r.NameEn} }

// StoredNameIn is the region's name in lang as the office pages say it:
// the name stored in lang, the Chinese where none is (text.Names' fallback,
// as the catalog's product pages, the receipt and the public impact page
// name a county). A village keeps its name as stored in every language, as
// on the trace and the product page.
func (r Region) StoredNameIn(lang string) string {
	if r.Level == Village {
		return r.Name
	}
	return r.Stored().In(lang)
}

// Names of the child region, with fallbacks.
func (c Child) Names() Names { return NamesOf(c.Name, c.NameUg, c.NameEn) }

// NameIn is the child region's name in lang.
func (c Child) NameIn(lang string) string { return c.Names().In(lang) }

// suffixes are the administrative endings of township-level and village
// names, longest first, with their English: 布亚乡 → Buya Township.
var suffixes = []struct{ zh, en string }{
	{"塔吉克民族乡", "Tajik Ethnic Township"}, {"塔吉克族乡", "Tajik Ethnic Township"},
	{"柯尔克孜民族乡", "Kirghiz Ethnic Township"}, {"柯尔克孜族乡", "Kirghiz Ethnic Township"},
	{"哈萨克民族乡", "Kazakh Ethnic Township"}, {"哈萨克族乡", "Kazakh Ethnic Township"},
	{"蒙古族乡", "Mongol Ethnic Township"}, {"回族乡", "Hui Ethnic Township"}, {"锡伯族乡", "Xibe Ethnic Township"},
	{"管理委员会", "Administrative Committee"}, {"管委会", "Administrative Committee"},
	{"街道办事处", "Subdistrict"}, {"街道", "Subdistrict"}, {"社区", "Community"},
	{"工业园区", "Industrial Park"}, {"产业园", "Industrial Park"}, {"园区", "Park"},
	{"良种繁育场", "Seed Breeding Farm"}, {"良种场", "Seed Farm"}, {"原种场", "Seed Farm"},
	{"林场", "Forest Farm"}, {"牧场", "Ranch"}, {"农场", "Farm"}, {"园艺场", "Orchard"}, {"苗圃", "Nursery"},
	{"监狱", "Prison"}, {"村委会", "Village"}, {"居委会", "Community"},
	{"镇", "Town"}, {"乡", "Township"}, {"村", "Village"}, {"场", "Farm"},
}

var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Fallback = func(r rune, _ pinyin.Args) []string {
		if r < unicode.MaxASCII || !unicode.Is(unicode.Han, r) {
			return []string{string(r)}
		}
		return nil
	}
	return a
}()

// Romanize writes a Chinese place name in Hanyu Pinyin without tones, the
// administrative ending translated: 布亚乡 → "Buya Township", 阿克陶镇 →
// "Aketao Town". It is the English fallback where no name is curated.
func Romanize(zh string) string {
	base, tail := zh, ""
	for _, s := range suffixes {
		if strings.HasSuffix(zh, s.zh) && len(zh) > len(s.zh) {
			base, tail = strings.TrimSuffix(zh, s.zh), s.en
			break
		}
	}
	syll := pinyin.LazyPinyin(base, pinyinArgs)
	word := strings.Join(syll, "")
	word = strings.NewReplacer("（", " (", "）", ")").Replace(word)
	if word == "" {
		return zh
	}
	r := []rune(word)
	r[0] = unicode.ToUpper(r[0])
	if tail == "" {
		return string(r)
	}
	return string(r) + " " + tail
}
