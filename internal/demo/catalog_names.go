package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The demo's names in Uyghur and English: products by their Chinese title,
// cooperatives by their name's ending after "<county><township>".

type localNames struct{ ug, en string }

var productNames = map[string]localNames{
	"莎车巴旦木 原味薄壳":     {"يەكەن بادىمى، نېپىز پوستلۇق، تەبىئىي تەملىك", "Yarkant almonds, thin shell, natural"},
	"莎车纸皮巴旦木 大颗粒":    {"يەكەن قەغەز پوستلۇق بادىمى، چوڭ دانىلىق", "Yarkant paper-shell almonds, large"},
	"莎车薄皮核桃":         {"يەكەن نېپىز پوستلۇق ياڭىقى", "Yarkant thin-shell walnuts"},
	"莎车石榴 新鲜采摘":      {"يەكەن ئانارى، يېڭى ئۈزۈلگەن", "Yarkant pomegranates, freshly picked"},
	"莎车鹰嘴豆":          {"يەكەن نوقۇتى", "Yarkant chickpeas"},
	"莎车巴旦木仁 烘烤":      {"يەكەن بادام مېغىزى، قورۇلغان", "Yarkant almond kernels, roasted"},
	"莎车手工艾德莱斯绸围巾":    {"يەكەن قول ئىشى ئەتلەس شارپا", "Yarkant handmade atlas silk scarf"},
	"叶城核桃 185 品种":    {"قاغىلىق ياڭىقى، 185 سورتى", "Kargilik walnuts, variety 185"},
	"叶城核桃仁 白仁":       {"قاغىلىق ياڭاق مېغىزى، ئاق مېغىز", "Kargilik walnut kernels, white"},
	"叶城石榴 酸甜口":       {"قاغىلىق ئانارى، چۈچۈمەل", "Kargilik pomegranates, sweet and sour"},
	"叶城冷榨核桃油":        {"قاغىلىق سوغۇق سىقىلغان ياڭاق يېغى", "Kargilik cold-pressed walnut oil"},
	"叶城土鸡蛋":          {"قاغىلىق يەرلىك توخۇ تۇخۇمى", "Kargilik free-range eggs"},
	"叶城林下散养土鸡":       {"قاغىلىق باغدا بېقىلغان يەرلىك توخۇ", "Kargilik orchard-raised chicken"},
	"叶城羊肉 手抓肉部位":     {"قاغىلىق قوي گۆشى، قول گۆشلۈك قىسمى", "Kargilik mutton, hand-pulled cut"},
	"伽师新梅 鲜果":        {"پەيزىۋات ئالۇچىسى، ھۆل مېۋە", "Payzawat prune plums, fresh"},
	"伽师新梅干 无添加":      {"پەيزىۋات ئالۇچا قېقى، قوشۇمچىسىز", "Payzawat dried prunes, nothing added"},
	"伽师瓜 晚熟甜瓜":       {"پەيزىۋات قوغۇنى، كەچ پىشار", "Payzawat melon, late-ripening"},
	"伽师石磨小麦粉":        {"پەيزىۋات تۈگمەن ئۇنى", "Payzawat stone-ground wheat flour"},
	"伽师新梅果酱":         {"پەيزىۋات ئالۇچا مۇرابباسى", "Payzawat prune jam"},
	"伽师土鸡蛋":          {"پەيزىۋات يەرلىك توخۇ تۇخۇمى", "Payzawat free-range eggs"},
	"英吉沙杏干 色买提":      {"يېڭىسار ئۆرۈك قېقى، سەمەت", "Yengisar dried apricots, Semet"},
	"英吉沙色买提鲜杏":       {"يېڭىسار سەمەت ئۆرۈكى، ھۆل", "Yengisar fresh Semet apricots"},
	"英吉沙杏仁 甜杏仁":      {"يېڭىسار ئۆرۈك مېغىزى، تاتلىق", "Yengisar sweet apricot kernels"},
	"英吉沙小刀 手工锻造":     {"يېڭىسار پىچىقى، قولدا سوقۇلغان", "Yengisar knife, hand-forged"},
	"英吉沙肉鸽":          {"يېڭىسار گۆشلۈك كەپتىرى", "Yengisar squab pigeons"},
	"英吉沙土陶罐":         {"يېڭىسار ساپال كوزىسى", "Yengisar earthenware jar"},
	"墨玉核桃 原味":        {"قاراقاش ياڭىقى، تەبىئىي تەملىك", "Karakax walnuts, natural"},
	"墨玉大芸 肉苁蓉切片":     {"قاراقاش سىستانچىسى، توغرالغان", "Karakax cistanche, sliced"},
	"墨玉肉鸽 乳鸽":        {"قاراقاش كەپتەر بالىسى", "Karakax young squab"},
	"墨玉桑葚干 白桑葚":      {"قاراقاش ئۈجمە قېقى، ئاق ئۈجمە", "Karakax dried white mulberries"},
	"墨玉手工丝毯 小挂毯":     {"قاراقاش قول ئىشى يىپەك گىلەم، تام گىلىمى", "Karakax handmade silk rug, wall hanging"},
	"墨玉香菇 干品":        {"قاراقاش شياڭگۇ زەمبۇرۇغى، قۇرۇتۇلغان", "Karakax shiitake, dried"},
	"墨玉胡麻油":          {"قاراقاش زىغىر يېغى", "Karakax flaxseed oil"},
	"皮山核桃 纸皮":        {"گۇما ياڭىقى، قەغەز پوستلۇق", "Guma walnuts, paper shell"},
	"皮亚曼石榴 甜石榴":      {"پىيالما ئانارى، تاتلىق ئانار", "Piyalma sweet pomegranates"},
	"皮亚曼石榴汁 鲜榨":      {"پىيالما ئانار شەربىتى، يېڭى سىقىلغان", "Piyalma pomegranate juice, freshly pressed"},
	"皮山核桃仁 琥珀":       {"گۇما ياڭاق مېغىزى، ھەسەل ۋە كۈنجۈتلۈك", "Guma amber walnut kernels"},
	"皮山羊肉 羊排":        {"گۇما قوي گۆشى، قوۋۇرغا", "Guma mutton, lamb ribs"},
	"皮山土鸡蛋":          {"گۇما يەرلىك توخۇ تۇخۇمى", "Guma free-range eggs"},
	"和田红枣 骏枣特级":      {"خوتەن قىزىل چىلان، جۈنزاۋ، ئالاھىدە دەرىجە", "Hotan jujubes (red dates), Junzao, premium grade"},
	"和田红枣 骏枣一级 5 千克": {"خوتەن قىزىل چىلان، جۈنزاۋ، 1-دەرىجە، 5 كىلوگرام", "Hotan jujubes (red dates), Junzao, grade 1, 5 kg"},
	"洛浦长毛兔肉":         {"لوپ ئۇزۇن يۇڭلۇق توشقان گۆشى", "Lop angora rabbit meat"},
	"洛浦兔毛手工围巾":       {"لوپ توشقان يۇڭىدىن قولدا توقۇلغان شارپا", "Lop hand-knitted angora scarf"},
	"洛浦核桃 原味":        {"لوپ ياڭىقى، تەبىئىي تەملىك", "Lop walnuts, natural"},
	"和田红枣夹核桃":        {"ياڭاق مېغىزى قىستۇرۇلغان خوتەن قىزىل چىلان", "Hotan jujubes (red dates) stuffed with walnuts"},
	"洛浦平菇 鲜品":        {"لوپ پىڭگۇ زەمبۇرۇغى، يېڭى", "Lop oyster mushrooms, fresh"},
	"策勒石榴 大籽甜石榴":     {"چىرا ئانارى، چوڭ دانىلىق تاتلىق ئانار", "Qira pomegranates, large-seeded and sweet"},
	"策勒红枣 灰枣":        {"چىرا قىزىل چىلان، خۇيزاۋ", "Qira jujubes (red dates), Huizao"},
	"策勒大芸 肉苁蓉":       {"چىرا سىستانچىسى", "Qira cistanche"},
	"策勒核桃":           {"چىرا ياڭىقى", "Qira walnuts"},
	"策勒香菇 鲜品":        {"چىرا شياڭگۇ زەمبۇرۇغى، يېڭى", "Qira shiitake, fresh"},
	"策勒土鸡蛋":          {"چىرا يەرلىك توخۇ تۇخۇمى", "Qira free-range eggs"},
	"于田玫瑰花酱":         {"كېرىيە ئەتىرگۈل مۇرابباسى", "Keriya rose petal jam"},
	"于田玫瑰花茶 花冠":      {"كېرىيە ئەتىرگۈل چېيى، غۇنچە", "Keriya rose bud tea"},
	"于田红枣 骏枣":        {"كېرىيە قىزىل چىلان، جۈنزاۋ", "Keriya jujubes (red dates), Junzao"},
	"于田沙漠大芸":         {"كېرىيە چۆل سىستانچىسى", "Keriya desert cistanche"},
	"于田羊肉 羊腿":        {"كېرىيە قوي گۆشى، قوي پاقالچىقى", "Keriya mutton, leg of lamb"},
	"于田玫瑰纯露":         {"كېرىيە ئەتىرگۈل سۈيى", "Keriya rose water"},
	"阿克陶葡萄干 无核白":     {"ئاقتو ئۈزۈم قېقى، ئاق كىشمىش", "Akto raisins, white seedless"},
	"阿克陶绿香妃葡萄干":      {"ئاقتو يېشىل ئىپارخان ئۈزۈم قېقى", "Akto green Xiangfei raisins"},
	"阿克陶牦牛肉":         {"ئاقتو قوتاز گۆشى", "Akto yak meat"},
	"阿克陶牦牛肉干":        {"ئاقتو قۇرۇتۇلغان قوتاز گۆشى", "Akto dried yak meat"},
	"阿克陶巴仁杏 鲜杏":      {"ئاقتو بارىن ئۆرۈكى، ھۆل", "Akto Barin apricots, fresh"},
	"阿克陶樱桃":          {"ئاقتو گىلاسى", "Akto cherries"},
	"阿克陶恰尔隆土豆":       {"ئاقتو چارلۇڭ بەرەڭگىسى", "Akto Qarlung potatoes"},
}

// coopEndings are the cooperatives' trades, as their names end.
var coopEndings = map[string]localNames{
	"巴旦木种植农民专业合作社":  {"بادام تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Almond Growers' Cooperative"},
	"薄皮核桃种植农民专业合作社": {"نېپىز پوستلۇق ياڭاق تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Thin-shell Walnut Growers' Cooperative"},
	"蔬菜种植农民专业合作社":   {"كۆكتات تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Vegetable Growers' Cooperative"},
	"核桃种植农民专业合作社":   {"ياڭاق تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Walnut Growers' Cooperative"},
	"石榴种植农民专业合作社":   {"ئانار تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Pomegranate Growers' Cooperative"},
	"土鸡养殖农民专业合作社":   {"يەرلىك توخۇ بېقىش دېھقانلار كەسپىي كوپېراتىپى", "Free-range Chicken Farmers' Cooperative"},
	"新梅种植农民专业合作社":   {"ئالۇچا تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Prune Plum Growers' Cooperative"},
	"甜瓜种植农民专业合作社":   {"قوغۇن تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Melon Growers' Cooperative"},
	"色买提杏种植农民专业合作社": {"سەمەت ئۆرۈكى تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Semet Apricot Growers' Cooperative"},
	"鸽子养殖农民专业合作社":   {"كەپتەر بېقىش دېھقانلار كەسپىي كوپېراتىپى", "Pigeon Farmers' Cooperative"},
	"肉鸽养殖农民专业合作社":   {"گۆشلۈك كەپتەر بېقىش دېھقانلار كەسپىي كوپېراتىپى", "Squab Farmers' Cooperative"},
	"大芸种植农民专业合作社":   {"سىستانچى تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Cistanche Growers' Cooperative"},
	"养兔专业合作社":       {"توشقان بېقىش كەسپىي كوپېراتىپى", "Rabbit Farmers' Cooperative"},
	"红枣种植农民专业合作社":   {"قىزىل چىلان تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Red Date Growers' Cooperative"},
	"玫瑰花农民专业合作社":    {"ئەتىرگۈل دېھقانلار كەسپىي كوپېراتىپى", "Rose Growers' Cooperative"},
	"牦牛养殖农民专业合作社":   {"قوتاز بېقىش دېھقانلار كەسپىي كوپېراتىپى", "Yak Herders' Cooperative"},
	"巴仁杏种植农民专业合作社":  {"بارىن ئۆرۈكى تېرىش دېھقانلار كەسپىي كوپېراتىپى", "Barin Apricot Growers' Cooperative"},
	"林果种植农民专业合作社":   {"مېۋىلىك باغ دېھقانلار كەسپىي كوپېراتىپى", "Orchard Growers' Cooperative"},
	"牛羊养殖农民专业合作社":   {"كالا-قوي بېقىش دېھقانلار كەسپىي كوپېراتىپى", "Cattle and Sheep Farmers' Cooperative"},
	"特色农产品农民专业合作社":  {"ئالاھىدە يېزا ئىگىلىك مەھسۇلاتلىرى دېھقانلار كەسپىي كوپېراتىپى", "Specialty Produce Farmers' Cooperative"},
}

// coopLocalNames names a demo cooperative called zh, of county and
// township (township may be ""), in Uyghur and English: the places' names,
// then its trade. A township without a curated Uyghur name is left out of
// the Uyghur name rather than written in Chinese.
func coopLocalNames(ctx context.Context, tx pgx.Tx, county, township, zh string) (ug, en string, err error) {
	const q = `SELECT name, name_ug, name_en FROM regions WHERE code = $1`
	var cZh, cUg, cEn, tZh, tUg, tEn string
	if err := tx.QueryRow(ctx, q, county).Scan(&cZh, &cUg, &cEn); err != nil {
		return "", "", fmt.Errorf("demo cooperative names: county %s: %w", county, err)
	}
	if township != "" {
		if err := tx.QueryRow(ctx, q, township).Scan(&tZh, &tUg, &tEn); err != nil {
			return "", "", fmt.Errorf("demo cooperative names: township %s: %w", township, err)
		}
	}
	trade, ok := coopEndings[strings.TrimPrefix(zh, cZh+tZh)]
	if !ok {
		trade = coopEndings["特色农产品农民专业合作社"]
	}
	ug = strings.Join(nonEmpty(cUg, tUg, trade.ug), " ")
	en = strings.Join(nonEmpty(cEn, tEn, trade.en), " ")
	return ug, en, nil
}

func nonEmpty(ss ...string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ProductTitles are the demo products' Chinese titles.
func ProductTitles() []string {
	out := make([]string, len(demoProducts))
	for i, p := range demoProducts {
		out[i] = p.title
	}
	return out
}

// ProductNames are the Uyghur and English titles of the demo product titled
// zh.
func ProductNames(zh string) ([2]string, bool) {
	n, ok := productNames[zh]
	return [2]string{n.ug, n.en}, ok
}
