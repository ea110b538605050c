package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
)

// catalogSeed fixes every random choice of the demo catalog.
const catalogSeed = 20201114

// productSpec is one demo product: where it comes from and how it sells.
type productSpec struct {
	county   string
	keywords []string // preferred cooperative: one whose name holds a keyword
	title    string
	category string
	unit     string
	desc     string
	variants []catalog.VariantInput
	rule     catalog.IncomeRule
	lotSize  int64 // base units per lot
	art      string
}

func v(sku, name string, yuan float64, qty catalog.Qty) catalog.VariantInput {
	return catalog.VariantInput{SKU: sku, Name: name, PriceFen: int64(math.Round(yuan * 100)), BaseQty: qty}
}

func perUnit(yuan float64) catalog.IncomeRule {
	return catalog.IncomeRule{Kind: catalog.RulePerUnit, FenPerUnit: int64(math.Round(yuan * 100))}
}

func share(pct int) catalog.IncomeRule {
	return catalog.IncomeRule{Kind: catalog.RuleRevenueShare, BPS: int64(pct) * 100}
}

const kg = catalog.QtyScale

// demoProducts are 65 products of the ten counties under listed supervision,
// with typical names, packs, prices and purchase prices of 2020.
var demoProducts = []productSpec{
	// 莎车县
	{"653125", []string{"巴旦木"}, "莎车巴旦木 原味薄壳", "dried_fruit", "kg", "叶尔羌河绿洲的巴旦木，壳薄仁香，手剥即开。", []catalog.VariantInput{v("SC-BDM-500", "500 克袋装", 39.9, 500), v("SC-BDM-1K", "1 千克礼盒", 75, kg)}, perUnit(42), 800, "nuts"},
	{"653125", []string{"巴旦木"}, "莎车纸皮巴旦木 大颗粒", "dried_fruit", "kg", "纸皮品种，颗粒饱满，原味烘烤不加盐。", []catalog.VariantInput{v("SC-ZP-500", "500 克", 45, 500)}, perUnit(48), 500, "nuts"},
	{"653125", []string{"核桃"}, "莎车薄皮核桃", "dried_fruit", "kg", "皮薄如纸，仁白味甜，每一颗都由社员手工分拣。", []catalog.VariantInput{v("SC-HT-1K", "1 千克", 32, kg), v("SC-HT-25K", "2.5 千克箱装", 76, 2500)}, perUnit(18), 1200, "walnut"},
	{"653125", []string{"蔬菜", "巴旦木"}, "莎车石榴 新鲜采摘", "fresh_fruit", "kg", "十月采摘的甜石榴，籽粒红亮，产地直发。", []catalog.VariantInput{v("SC-SL-5K", "5 千克箱装", 59, 5*kg)}, perUnit(5), 1500, "pomegranate"},
	{"653125", []string{"蔬菜"}, "莎车鹰嘴豆", "grain_oil", "kg", "沙土地种植的鹰嘴豆，颗粒大，易煮烂。", []catalog.VariantInput{v("SC-YZD-1K", "1 千克", 18.8, kg), v("SC-YZD-25K", "2.5 千克", 42, 2500)}, perUnit(7), 900, "beans"},
	{"653125", []string{"巴旦木"}, "莎车巴旦木仁 烘烤", "dried_fruit", "kg", "去壳烘烤的巴旦木仁，适合打粉、烘焙。", []catalog.VariantInput{v("SC-BDR-250", "250 克罐装", 36, 250)}, perUnit(80), 300, "nuts"},
	{"653125", []string{"蔬菜"}, "莎车手工艾德莱斯绸围巾", "handicrafts", "piece", "扎经染色的艾德莱斯绸，由合作社绣娘手工织成。", []catalog.VariantInput{v("SC-ADLS-1", "一条", 168, kg)}, share(35), 60, "silk"},
	// 叶城县
	{"653126", []string{"核桃"}, "叶城核桃 185 品种", "dried_fruit", "kg", "叶城“核桃之乡”的 185 薄皮核桃，出仁率高。", []catalog.VariantInput{v("YC-HT-1K", "1 千克", 29.9, kg), v("YC-HT-5K", "5 千克箱装", 135, 5*kg)}, perUnit(16), 2000, "walnut"},
	{"653126", []string{"核桃"}, "叶城核桃仁 白仁", "dried_fruit", "kg", "人工破壳取仁，白仁大瓣，真空包装。", []catalog.VariantInput{v("YC-HTR-500", "500 克", 42, 500)}, perUnit(55), 400, "walnut"},
	{"653126", []string{"石榴"}, "叶城石榴 酸甜口", "fresh_fruit", "kg", "昆仑山北麓的石榴，酸甜适口，可榨汁。", []catalog.VariantInput{v("YC-SL-5K", "5 千克箱装", 55, 5*kg)}, perUnit(4.5), 1500, "pomegranate"},
	{"653126", []string{"核桃"}, "叶城冷榨核桃油", "grain_oil", "bottle", "核桃仁低温压榨，一瓶 500 毫升。", []catalog.VariantInput{v("YC-HTY-1", "500 毫升一瓶", 68, kg), v("YC-HTY-2", "两瓶礼盒", 128, 2*kg)}, share(30), 300, "oil"},
	{"653126", []string{"土鸡"}, "叶城土鸡蛋", "poultry_eggs", "egg", "林下散养土鸡所产，蛋黄色深。", []catalog.VariantInput{v("YC-JD-30", "30 枚", 45, 30*kg)}, perUnit(1.1), 3000, "eggs"},
	{"653126", []string{"土鸡"}, "叶城林下散养土鸡", "poultry_eggs", "head", "核桃林下散养一年以上，整只冷冻发货。", []catalog.VariantInput{v("YC-TJ-1", "一只（约 1.5 千克）", 118, kg)}, perUnit(75), 200, "chicken"},
	{"653126", []string{"核桃", "石榴"}, "叶城羊肉 手抓肉部位", "meat", "kg", "放养的本地绵羊，排酸后分割冷冻。", []catalog.VariantInput{v("YC-YR-1K", "1 千克", 88, kg), v("YC-YR-2K", "2 千克", 172, 2*kg)}, perUnit(58), 500, "meat"},
	// 伽师县
	{"653129", []string{"新梅"}, "伽师新梅 鲜果", "fresh_fruit", "kg", "伽师新梅八月成熟，果肉细腻，冷链直发。", []catalog.VariantInput{v("JS-XM-25K", "2.5 千克", 49.9, 2500), v("JS-XM-5K", "5 千克", 89, 5*kg)}, perUnit(8), 2500, "plum"},
	{"653129", []string{"新梅"}, "伽师新梅干 无添加", "dried_fruit", "kg", "整颗自然风干的西梅干，不加糖。", []catalog.VariantInput{v("JS-XMG-500", "500 克", 39, 500)}, perUnit(30), 400, "plum"},
	{"653129", []string{"甜瓜"}, "伽师瓜 晚熟甜瓜", "fresh_fruit", "piece", "伽师瓜皮厚耐储，瓜肉清脆，单个约 3 千克。", []catalog.VariantInput{v("JS-G-1", "一个", 25, kg), v("JS-G-2", "两个装", 46, 2*kg)}, perUnit(10), 1000, "melon"},
	{"653129", []string{"甜瓜", "新梅"}, "伽师石磨小麦粉", "grain_oil", "kg", "本地冬小麦石磨研磨，适合做馕和拉条子。", []catalog.VariantInput{v("JS-MF-5K", "5 千克", 35, 5*kg)}, perUnit(2.6), 3000, "flour"},
	{"653129", []string{"新梅"}, "伽师新梅果酱", "specialty", "jar", "新梅熬制的果酱，一罐 300 克。", []catalog.VariantInput{v("JS-GJ-1", "300 克一罐", 26, kg), v("JS-GJ-3", "三罐装", 72, 3*kg)}, share(30), 400, "jam"},
	{"653129", []string{"甜瓜"}, "伽师土鸡蛋", "poultry_eggs", "egg", "农家散养土鸡蛋。", []catalog.VariantInput{v("JS-JD-20", "20 枚", 32, 20*kg)}, perUnit(1), 2000, "eggs"},
	// 英吉沙县
	{"653123", []string{"杏"}, "英吉沙杏干 色买提", "dried_fruit", "kg", "色买提杏自然晾晒成干，个大肉厚，酸甜浓郁。", []catalog.VariantInput{v("YJS-XG-500", "500 克", 29.9, 500), v("YJS-XG-1K", "1 千克", 56, kg)}, perUnit(24), 1000, "apricot"},
	{"653123", []string{"杏"}, "英吉沙色买提鲜杏", "fresh_fruit", "kg", "六月成熟的色买提杏，皮薄汁多，冷链发货。", []catalog.VariantInput{v("YJS-XX-25K", "2.5 千克", 45, 2500)}, perUnit(6), 1500, "apricot"},
	{"653123", []string{"杏"}, "英吉沙杏仁 甜杏仁", "dried_fruit", "kg", "杏核手工敲取的甜杏仁，可直接食用。", []catalog.VariantInput{v("YJS-XR-250", "250 克", 32, 250)}, perUnit(70), 300, "nuts"},
	{"653123", []string{"鸽子"}, "英吉沙小刀 手工锻造", "handicrafts", "piece", "英吉沙小刀有四百年历史，刀柄镶嵌手工完成（仅作工艺品收藏）。", []catalog.VariantInput{v("YJS-XD-1", "一把", 98, kg), v("YJS-XD-L", "大号礼盒", 238, kg)}, share(40), 80, "knife"},
	{"653123", []string{"鸽子"}, "英吉沙肉鸽", "poultry_eggs", "head", "合作社养殖的肉鸽，整只冷冻。", []catalog.VariantInput{v("YJS-GZ-2", "两只装", 68, 2*kg)}, perUnit(24), 300, "chicken"},
	{"653123", []string{"杏"}, "英吉沙土陶罐", "handicrafts", "piece", "传统手工土陶，可作花器。", []catalog.VariantInput{v("YJS-TT-1", "一只", 88, kg)}, share(40), 60, "pottery"},
	// 墨玉县
	{"653222", []string{"核桃"}, "墨玉核桃 原味", "dried_fruit", "kg", "喀拉喀什河畔的核桃，壳薄易剥。", []catalog.VariantInput{v("MY-HT-1K", "1 千克", 28, kg), v("MY-HT-5K", "5 千克", 130, 5*kg)}, perUnit(15), 2000, "walnut"},
	{"653222", []string{"大芸"}, "墨玉大芸 肉苁蓉切片", "specialty", "g", "沙漠红柳根部寄生的肉苁蓉，切片晾干。", []catalog.VariantInput{v("MY-DY-250", "250 克", 78, 250*kg)}, perUnit(0.18), 60000, "herb"},
	{"653222", []string{"肉鸽"}, "墨玉肉鸽 乳鸽", "poultry_eggs", "head", "二十八日龄乳鸽，整只冷冻。", []catalog.VariantInput{v("MY-RG-2", "两只装", 72, 2*kg)}, perUnit(26), 400, "chicken"},
	{"653222", []string{"核桃"}, "墨玉桑葚干 白桑葚", "dried_fruit", "kg", "古桑树上的白桑葚，晒干后甘甜。", []catalog.VariantInput{v("MY-SS-500", "500 克", 35, 500)}, perUnit(26), 400, "berries"},
	{"653222", []string{"核桃", "大芸"}, "墨玉手工丝毯 小挂毯", "handicrafts", "piece", "和田丝毯工艺，手工打结，约 60 × 90 厘米。", []catalog.VariantInput{v("MY-ST-1", "一幅", 880, kg)}, share(45), 30, "carpet"},
	{"653222", []string{"核桃"}, "墨玉香菇 干品", "mushrooms", "kg", "扶贫大棚种植的香菇，烘干保存。", []catalog.VariantInput{v("MY-XG-250", "250 克", 29, 250)}, perUnit(60), 300, "mushroom"},
	{"653222", []string{"核桃"}, "墨玉胡麻油", "grain_oil", "bottle", "胡麻籽压榨，一瓶 1 升。", []catalog.VariantInput{v("MY-HMY-1", "1 升一瓶", 48, kg)}, share(25), 400, "oil"},
	// 皮山县
	{"653223", []string{"核桃"}, "皮山核桃 纸皮", "dried_fruit", "kg", "皮山县桑株河谷的纸皮核桃，一捏就开。", []catalog.VariantInput{v("PS-HT-1K", "1 千克", 30, kg), v("PS-HT-25K", "2.5 千克", 72, 2500)}, perUnit(16), 2000, "walnut"},
	{"653223", []string{"石榴"}, "皮亚曼石榴 甜石榴", "fresh_fruit", "kg", "皮亚曼村的甜石榴，籽软汁多，十月采摘。", []catalog.VariantInput{v("PS-SL-5K", "5 千克", 66, 5*kg), v("PS-SL-10K", "10 千克", 125, 10*kg)}, perUnit(6), 3000, "pomegranate"},
	{"653223", []string{"石榴"}, "皮亚曼石榴汁 鲜榨", "specialty", "bottle", "当季石榴鲜榨，一瓶 300 毫升。", []catalog.VariantInput{v("PS-SLZ-6", "六瓶装", 78, 6*kg)}, share(30), 600, "juice"},
	{"653223", []string{"核桃"}, "皮山核桃仁 琥珀", "dried_fruit", "kg", "核桃仁裹蜂蜜芝麻慢烤。", []catalog.VariantInput{v("PS-HP-250", "250 克", 35, 250)}, perUnit(60), 300, "walnut"},
	{"653223", []string{"核桃", "石榴"}, "皮山羊肉 羊排", "meat", "kg", "昆仑山前山牧场的羊，排酸分割。", []catalog.VariantInput{v("PS-YP-1K", "1 千克", 96, kg)}, perUnit(62), 400, "meat"},
	{"653223", []string{"石榴", "核桃"}, "皮山土鸡蛋", "poultry_eggs", "egg", "庭院散养土鸡蛋。", []catalog.VariantInput{v("PS-JD-30", "30 枚", 42, 30*kg)}, perUnit(1), 3000, "eggs"},
	// 洛浦县
	{"653224", []string{"红枣", "布亚"}, "和田红枣 骏枣特级", "dried_fruit", "kg", "昆仑山下沙漠边缘的骏枣，自然晾晒，个大肉厚。", []catalog.VariantInput{v("LP-JZ-1K", "1 千克袋装", 39.8, kg), v("LP-JZ-25K", "2.5 千克礼盒", 88, 2500)}, perUnit(15), 2500, "jujube"},
	{"653224", []string{"红枣", "布亚"}, "和田红枣 骏枣一级 5 千克", "dried_fruit", "kg", "一级骏枣，家庭实惠装。", []catalog.VariantInput{v("LP-JZ1-5K", "5 千克箱装", 128, 5*kg)}, perUnit(12), 3000, "jujube"},
	{"653224", []string{"兔"}, "洛浦长毛兔肉", "meat", "kg", "合作社养殖的长毛兔，肉质细嫩，分割冷冻。", []catalog.VariantInput{v("LP-TR-1K", "1 千克", 46, kg), v("LP-TR-2K", "2 千克", 88, 2*kg)}, perUnit(26), 600, "meat"},
	{"653224", []string{"兔"}, "洛浦兔毛手工围巾", "handicrafts", "piece", "长毛兔兔毛纺线手工编织，柔软保暖。", []catalog.VariantInput{v("LP-WJ-1", "一条", 158, kg)}, share(40), 60, "silk"},
	{"653224", []string{"核桃"}, "洛浦核桃 原味", "dried_fruit", "kg", "洛浦县核桃，薄皮易剥。", []catalog.VariantInput{v("LP-HT-1K", "1 千克", 27, kg)}, perUnit(15), 1500, "walnut"},
	{"653224", []string{"红枣", "布亚"}, "和田红枣夹核桃", "dried_fruit", "kg", "骏枣去核夹核桃仁，独立小包装。", []catalog.VariantInput{v("LP-ZJH-500", "500 克", 45, 500)}, perUnit(30), 500, "jujube"},
	{"653224", []string{"核桃", "兔"}, "洛浦平菇 鲜品", "mushrooms", "kg", "扶贫产业园大棚种植的平菇，当日采摘发货。", []catalog.VariantInput{v("LP-PG-25K", "2.5 千克", 32, 2500)}, perUnit(5), 1500, "mushroom"},
	// 策勒县
	{"653225", []string{"石榴"}, "策勒石榴 大籽甜石榴", "fresh_fruit", "kg", "策勒县的大籽石榴，色泽红艳，汁水充足。", []catalog.VariantInput{v("CL-SL-5K", "5 千克箱装", 62, 5*kg), v("CL-SL-10K", "10 千克箱装", 118, 10*kg)}, perUnit(5.5), 3000, "pomegranate"},
	{"653225", []string{"红枣"}, "策勒红枣 灰枣", "dried_fruit", "kg", "沙漠边缘种植的灰枣，皮薄肉甜。", []catalog.VariantInput{v("CL-HZ-1K", "1 千克", 26, kg)}, perUnit(10), 2000, "jujube"},
	{"653225", []string{"红枣", "石榴"}, "策勒大芸 肉苁蓉", "specialty", "g", "策勒沙漠中种植的肉苁蓉，整根晾干。", []catalog.VariantInput{v("CL-DY-500", "500 克", 138, 500*kg)}, perUnit(0.16), 50000, "herb"},
	{"653225", []string{"红枣"}, "策勒核桃", "dried_fruit", "kg", "策勒县薄皮核桃。", []catalog.VariantInput{v("CL-HT-1K", "1 千克", 28, kg)}, perUnit(15), 1200, "walnut"},
	{"653225", []string{"石榴"}, "策勒香菇 鲜品", "mushrooms", "kg", "策勒县食用菌产业园出品。", []catalog.VariantInput{v("CL-XG-2K", "2 千克", 39, 2*kg)}, perUnit(7), 1000, "mushroom"},
	{"653225", []string{"红枣"}, "策勒土鸡蛋", "poultry_eggs", "egg", "农家散养鸡蛋。", []catalog.VariantInput{v("CL-JD-30", "30 枚", 40, 30*kg)}, perUnit(1), 2400, "eggs"},
	// 于田县
	{"653226", []string{"玫瑰"}, "于田玫瑰花酱", "specialty", "jar", "于田沙漠玫瑰花瓣与冰糖熬制，一罐 500 克。", []catalog.VariantInput{v("YT-MGJ-1", "500 克一罐", 38, kg), v("YT-MGJ-2", "两罐装", 72, 2*kg)}, share(30), 800, "jam"},
	{"653226", []string{"玫瑰"}, "于田玫瑰花茶 花冠", "specialty", "g", "五月清晨采摘的玫瑰花冠，低温烘干。", []catalog.VariantInput{v("YT-MGC-100", "100 克罐装", 45, 100*kg)}, perUnit(0.2), 40000, "rose"},
	{"653226", []string{"红枣"}, "于田红枣 骏枣", "dried_fruit", "kg", "克里雅河畔的骏枣。", []catalog.VariantInput{v("YT-HZ-1K", "1 千克", 32, kg), v("YT-HZ-25K", "2.5 千克", 75, 2500)}, perUnit(13), 2000, "jujube"},
	{"653226", []string{"大芸"}, "于田沙漠大芸", "specialty", "g", "塔克拉玛干沙漠南缘的肉苁蓉。", []catalog.VariantInput{v("YT-DY-250", "250 克", 72, 250*kg)}, perUnit(0.17), 40000, "herb"},
	{"653226", []string{"玫瑰", "红枣"}, "于田羊肉 羊腿", "meat", "kg", "于田县放养的羊，整只羊腿冷冻。", []catalog.VariantInput{v("YT-YT-2K", "约 2 千克", 180, 2*kg)}, perUnit(60), 600, "meat"},
	{"653226", []string{"玫瑰"}, "于田玫瑰纯露", "specialty", "bottle", "玫瑰花蒸馏所得纯露，一瓶 200 毫升。", []catalog.VariantInput{v("YT-CL-1", "200 毫升一瓶", 49, kg)}, share(30), 300, "juice"},
	// 阿克陶县
	{"653022", []string{"巴仁杏", "牦牛"}, "阿克陶葡萄干 无核白", "dried_fruit", "kg", "帕米尔高原下晾房风干的无核白葡萄干。", []catalog.VariantInput{v("AKT-PTG-500", "500 克", 22, 500), v("AKT-PTG-1K", "1 千克", 40, kg)}, perUnit(16), 1500, "raisins"},
	{"653022", []string{"巴仁杏", "牦牛"}, "阿克陶绿香妃葡萄干", "dried_fruit", "kg", "绿香妃品种，色绿味甜。", []catalog.VariantInput{v("AKT-XF-500", "500 克", 28, 500)}, perUnit(20), 800, "raisins"},
	{"653022", []string{"牦牛"}, "阿克陶牦牛肉", "meat", "kg", "帕米尔高原放牧的牦牛，分割冷冻。", []catalog.VariantInput{v("AKT-MN-1K", "1 千克", 118, kg), v("AKT-MN-2K", "2 千克", 230, 2*kg)}, perUnit(70), 500, "meat"},
	{"653022", []string{"牦牛"}, "阿克陶牦牛肉干", "meat", "kg", "风干牦牛肉，原味。", []catalog.VariantInput{v("AKT-RG-250", "250 克", 58, 250)}, perUnit(120), 200, "meat"},
	{"653022", []string{"巴仁杏"}, "阿克陶巴仁杏 鲜杏", "fresh_fruit", "kg", "巴仁杏个大色黄，六月成熟。", []catalog.VariantInput{v("AKT-BRX-25K", "2.5 千克", 52, 2500)}, perUnit(7), 1500, "apricot"},
	{"653022", []string{"巴仁杏"}, "阿克陶樱桃", "fresh_fruit", "kg", "高原日照充足，樱桃甜度高，五月底上市。", []catalog.VariantInput{v("AKT-YT-1K", "1 千克", 45, kg)}, perUnit(16), 800, "cherry"},
	{"653022", []string{"牦牛", "巴仁杏"}, "阿克陶恰尔隆土豆", "grain_oil", "kg", "高海拔沙壤土种植的土豆，面沙。", []catalog.VariantInput{v("AKT-TD-10K", "10 千克", 35, 10*kg)}, perUnit(1.2), 5000, "potato"},
}

// LoadCatalogWith creates the demo catalog: 65 products of the ten counties
// under listed supervision, each with variants, a drawn image, one or two
// lots from member households and, for most, a confirmed certificate.
// Products go to an approved cooperative of their county that has member
// households (the registry demo's, preferring one whose name fits the
// product); a county without one gets a small cooperative, village and
// member households of its own, registered through the household registry
// and sealed with ring (the installation's data key). Images are stored
// under dataDir/uploads. It is idempotent: products are known by
// cooperative and title, and an existing product is left as it is.
func LoadCatalogWith(ctx context.Context, db *pgxpool.Pool, dataDir string, ring *pii.Ring) error {
	adminID, err := demoAdmin(ctx, db)
	if err != nil {
		return err
	}
	admin := auth.Actor{UserID: adminID, Name: "demo", Roles: []auth.Role{auth.RolePlatformAdmin}}
	svc := catalog.New(db, media.NewDir(filepath.Join(dataDir, "uploads")), nil)
	hh := household.NewService(db, ring)
	today := svc.Today()
	coops := map[string][]coopChoice{}
	for i, p := range demoProducts {
		list, ok := coops[p.county]
		if !ok {
			if list, err = countyCoops(ctx, db, hh, admin, p.county); err != nil {
				return err
			}
			coops[p.county] = list
		}
		c := pickCoop(list, p.keywords)
		if err := loadProduct(ctx, db, svc, admin, c, p, i, today); err != nil {
			return fmt.Errorf("demo product %s: %w", p.title, err)
		}
	}
	return nil
}

// demoAdmin is the demo platform administrator (LoadAccounts creates it).
func demoAdmin(ctx context.Context, db *pgxpool.Pool) (int64, error) {
	const q = `SELECT id FROM users WHERE email = 'admin@demo.local'`
	var id int64
	err := db.QueryRow(ctx, q).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errors.New("demo catalog: load the demo accounts first (admin@demo.local is missing)")
	}
	return id, err
}

type coopChoice struct {
	id      int64
	name    string
	members []ids.ID
}

func pickCoop(list []coopChoice, keywords []string) coopChoice {
	for _, k := range keywords {
		for _, c := range list {
			if strings.Contains(c.name, k) {
				return c
			}
		}
	}
	return list[0]
}

// countyCoops are the approved cooperatives of county with member
// households, the demo cooperative first; when there is none it makes one.
func countyCoops(ctx context.Context, db *pgxpool.Pool, hh *household.Service, admin auth.Actor, county string) ([]coopChoice, error) {
	const q = `SELECT c.id, c.name, array_agg(m.household_id ORDER BY m.household_id)
		FROM cooperatives c JOIN cooperative_members m ON m.cooperative_id = c.id
		WHERE c.county_code = $1 AND c.status = 'approved'
		GROUP BY c.id, c.name ORDER BY (c.credit_code = $2) DESC, c.id`
	rows, err := db.Query(ctx, q, county, CoopCreditCode)
	if err != nil {
		return nil, fmt.Errorf("demo cooperatives of %s: %w", county, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (coopChoice, error) {
		var c coopChoice
		var members []int64
		err := r.Scan(&c.id, &c.name, &members)
		for _, m := range members {
			c.members = append(c.members, ids.ID(m))
		}
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("demo cooperatives of %s: %w", county, err)
	}
	if len(list) > 0 {
		return list, nil
	}
	c, err := ownCoop(ctx, db, hh, admin, county)
	if err != nil {
		return nil, fmt.Errorf("demo cooperative of %s: %w", county, err)
	}
	return []coopChoice{c}, nil
}

// ownCoop makes a county's catalog cooperative when the registry demo has
// none: approved, in the county's first township's village 团结村 with six
// member households registered through the household registry.
func ownCoop(ctx context.Context, db *pgxpool.Pool, hh *household.Service, admin auth.Actor, county string) (coopChoice, error) {
	var countyName, township string
	const qt = `SELECT c.name, t.code FROM regions c JOIN regions t ON t.parent_code = c.code AND t.level = 'township'
		WHERE c.code = $1 ORDER BY (t.name LIKE '%乡') DESC, t.code LIMIT 1`
	if err := db.QueryRow(ctx, qt, county).Scan(&countyName, &township); err != nil {
		return coopChoice{}, fmt.Errorf("township: %w", err)
	}
	var c coopChoice
	var id int64
	var coopID int64
	c.name = countyName + "特色农产品农民专业合作社"
	credit, err := idcheck.CompleteCreditCode("93" + county + "MA8C" + county[2:] + "X")
	if err != nil {
		return c, err
	}
	if county == CoopCounty {
		c.name = CoopName
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) (err error) {
		coopID, err = catalogCoop(ctx, tx, county, c.name, credit)
		return err
	})
	if err != nil {
		return c, err
	}
	c.id = coopID
	office := auth.Actor{UserID: admin.UserID, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: county, OfficeLevel: region.County}
	const qv = `SELECT code FROM regions WHERE parent_code = $1 AND name = $2`
	var village string
	err = db.QueryRow(ctx, qv, township, "团结村").Scan(&village)
	if errors.Is(err, pgx.ErrNoRows) {
		r, cerr := hh.CreateVillage(ctx, office, township, "团结村")
		if cerr != nil {
			return c, cerr
		}
		village, err = r.Code, nil
	}
	if err != nil {
		return c, err
	}
	rng := rand.New(rand.NewPCG(catalogSeed, uint64(coopID)))
	for i := 1; i <= 6; i++ {
		no := fmt.Sprintf("CAT%s%03d", county, i)
		const qh = `SELECT id FROM households WHERE registry_no = $1`
		err := db.QueryRow(ctx, qh, no).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			male := rng.IntN(100) < 80
			birth := time.Date(1955+rng.IntN(40), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
			seq := 10 + rng.IntN(80)*10
			if male {
				seq++
			}
			idNo, ierr := idcheck.CompleteIDNumber(fmt.Sprintf("%s%s%03d", county, birth.Format("20060102"), seq))
			if ierr != nil {
				return c, ierr
			}
			lifted := 2019 + rng.IntN(2)
			h, cerr := hh.Create(ctx, admin, household.Input{RegistryNo: no, VillageCode: village, Members: 3 + rng.IntN(4),
				Status: household.StatusLifted, LiftedYear: &lifted, BaselineIncomeFen: int64(360000 + rng.IntN(120000)),
				BaselineYear: 2019, HeadName: catalogPerson(rng, male), HeadIDNumber: idNo})
			if cerr != nil {
				return c, cerr
			}
			id, err = int64(h.ID), nil
		}
		if err != nil {
			return c, err
		}
		c.members = append(c.members, ids.ID(id))
	}
	js := make([]coop.Joining, len(c.members))
	for i, m := range c.members {
		js[i] = coop.Joining{CooperativeID: ids.ID(coopID), HouseholdID: m}
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return coop.AddMembersTx(ctx, tx, js) })
	return c, err
}

// catalogCoop registers a county's catalog cooperative, approved, unless it
// exists, and returns its id: in the demo cooperative's county that one,
// elsewhere one named name.
func catalogCoop(ctx context.Context, tx pgx.Tx, county, name, credit string) (int64, error) {
	if county == CoopCounty {
		return ensureCoop(ctx, tx)
	}
	app := coop.Application{Name: name, CreditCode: credit, CountyCode: county,
		ContactName: "合作社理事长", ContactPhone: "13999900000"}
	var err error
	if app.NameUg, app.NameEn, err = coopLocalNames(ctx, tx, county, "", name); err != nil {
		return 0, err
	}
	id, _, err := coop.RegisterApprovedTx(ctx, tx, app, nil)
	if err == nil {
		err = coop.NameTranslationsTx(ctx, tx, id, app.NameUg, app.NameEn)
	}
	return int64(id), err
}

var catalogGiven = map[bool][]string{
	true:  {"艾买提", "买买提", "阿卜杜拉", "吐尔逊", "热合曼", "艾力", "努尔买买提", "亚森"},
	false: {"古丽", "阿依古丽", "帕提古丽", "热孜万古丽", "阿娜尔古丽", "布佐热", "美合日古丽", "再努尔"},
}
var catalogFamily = []string{"吐尔地", "艾则孜", "买提尼亚孜", "阿不都", "玉素甫", "热西提", "卡德尔", "尼亚孜"}

func catalogPerson(rng *rand.Rand, male bool) string {
	g := catalogGiven[male]
	return g[rng.IntN(len(g))] + "·" + catalogFamily[rng.IntN(len(catalogFamily))]
}

// loadProduct lists one product unless its cooperative has it already.
func loadProduct(ctx context.Context, db *pgxpool.Pool, svc *catalog.Service, admin auth.Actor, c coopChoice,
	p productSpec, n int, today time.Time) error {
	// Each product draws from its own stream: its choices do not depend on
	// which products exist already.
	r := rand.New(rand.NewPCG(catalogSeed, uint64(1000+n)))
	const q = `SELECT id, title_ug = '' OR title_en = '' FROM products WHERE cooperative_id = $1 AND title = $2`
	var existing int64
	var unnamed bool
	owner := auth.Actor{UserID: admin.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: c.id}
	names := productNames[p.title]
	err := db.QueryRow(ctx, q, c.id, p.title).Scan(&existing, &unnamed)
	if err == nil {
		if unnamed { // loaded before products had Uyghur and English titles
			_, err = svc.UpdateProduct(ctx, owner, existing, catalog.ProductPatch{TitleUg: &names.ug, TitleEn: &names.en})
		}
		return err
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	prod, err := svc.CreateProduct(ctx, owner, catalog.ProductInput{Title: p.title, Description: p.desc, Category: p.category,
		BaseUnit: p.unit, Status: catalog.StatusActive, Variants: p.variants, TitleUg: names.ug, TitleEn: names.en})
	if err != nil {
		return err
	}
	img, err := drawProduct(p.art, r)
	if err != nil {
		return err
	}
	if _, err := svc.AddImage(ctx, owner, int64(prod.ID), img, p.title); err != nil {
		return err
	}
	lots := 1 + r.IntN(2)
	for l := 0; l < lots; l++ {
		size := catalog.Units(p.lotSize/int64(lots) + int64(r.IntN(int(p.lotSize/5+1))))
		in := catalog.LotInput{ReceivedOn: today.AddDate(0, 0, -(5 + 20*(lots-l) + r.IntN(15))).Format("2006-01-02"),
			Quantity: size, IncomeRule: p.rule, Contributions: split(size, c.members, r)}
		if _, err := svc.CreateLot(ctx, owner, int64(prod.ID), in); err != nil {
			return err
		}
	}
	if r.IntN(100) < 70 {
		cert, err := svc.Certify(ctx, admin, int64(prod.ID), catalog.CertificationInput{
			CertificateNo: fmt.Sprintf("XJFP-%s-2020-%04d", p.county, n+1),
			ValidFrom:     today.AddDate(0, -8, 0).Format("2006-01-02"), ValidUntil: today.AddDate(2, 0, 0).Format("2006-01-02")})
		if err != nil {
			return err
		}
		if _, err := svc.ConfirmCertification(ctx, admin, int64(cert.ID)); err != nil {
			return err
		}
	}
	return nil
}

// split shares total among three to six of the members in whole base units
// (thousandths for small lots), summing exactly to total.
func split(total catalog.Qty, members []ids.ID, r *rand.Rand) []catalog.Contribution {
	n := min(len(members), 3+r.IntN(4))
	perm := r.Perm(len(members))[:n]
	step := catalog.Qty(catalog.QtyScale)
	if total < catalog.Qty(n)*step*4 {
		step = 1
	}
	weights := make([]int64, n)
	var sum int64
	for i := range weights {
		weights[i] = int64(2 + r.IntN(8))
		sum += weights[i]
	}
	out := make([]catalog.Contribution, n)
	var given catalog.Qty
	for i := range out {
		q := catalog.Qty(int64(total)/int64(step)*weights[i]/sum) * step
		if q == 0 {
			q = step
		}
		out[i] = catalog.Contribution{HouseholdID: members[perm[i]], Quantity: q}
		given += q
	}
	out[0].Quantity += total - given
	return out
}

// Palettes of the drawn images by subject: background, main, accent.
var artPalettes = map[string][3]color.RGBA{
	"jujube":      {{246, 233, 210, 255}, {142, 28, 26, 255}, {92, 18, 16, 255}},
	"walnut":      {{236, 228, 214, 255}, {168, 124, 78, 255}, {120, 84, 50, 255}},
	"nuts":        {{240, 232, 220, 255}, {196, 146, 96, 255}, {150, 104, 62, 255}},
	"pomegranate": {{250, 238, 226, 255}, {196, 32, 52, 255}, {120, 14, 30, 255}},
	"apricot":     {{252, 244, 224, 255}, {236, 150, 40, 255}, {200, 100, 20, 255}},
	"plum":        {{242, 236, 246, 255}, {96, 46, 110, 255}, {60, 24, 72, 255}},
	"raisins":     {{240, 244, 226, 255}, {150, 160, 60, 255}, {100, 110, 30, 255}},
	"cherry":      {{252, 236, 236, 255}, {170, 16, 40, 255}, {90, 120, 40, 255}},
	"berries":     {{246, 244, 232, 255}, {230, 220, 180, 255}, {180, 160, 110, 255}},
	"melon":       {{244, 246, 228, 255}, {210, 196, 110, 255}, {120, 140, 60, 255}},
	"eggs":        {{232, 214, 170, 255}, {250, 244, 232, 255}, {214, 190, 150, 255}},
	"chicken":     {{230, 240, 222, 255}, {200, 150, 100, 255}, {170, 60, 40, 255}},
	"meat":        {{244, 240, 236, 255}, {190, 62, 66, 255}, {250, 236, 230, 255}},
	"jam":         {{250, 236, 240, 255}, {190, 40, 90, 255}, {240, 200, 150, 255}},
	"rose":        {{250, 240, 244, 255}, {214, 70, 120, 255}, {120, 150, 70, 255}},
	"juice":       {{250, 240, 236, 255}, {200, 40, 70, 255}, {230, 230, 236, 255}},
	"oil":         {{246, 242, 226, 255}, {214, 170, 50, 255}, {230, 226, 210, 255}},
	"herb":        {{246, 236, 220, 255}, {150, 90, 60, 255}, {100, 60, 40, 255}},
	"mushroom":    {{236, 232, 222, 255}, {150, 110, 80, 255}, {240, 232, 214, 255}},
	"beans":       {{246, 240, 226, 255}, {226, 196, 140, 255}, {190, 160, 104, 255}},
	"flour":       {{240, 232, 216, 255}, {250, 248, 240, 255}, {200, 170, 120, 255}},
	"potato":      {{236, 226, 206, 255}, {196, 160, 100, 255}, {150, 116, 70, 255}},
	"silk":        {{244, 240, 232, 255}, {40, 80, 170, 255}, {220, 50, 80, 255}},
	"carpet":      {{240, 232, 220, 255}, {150, 30, 40, 255}, {230, 190, 90, 255}},
	"knife":       {{232, 232, 228, 255}, {170, 174, 180, 255}, {120, 60, 30, 255}},
	"pottery":     {{240, 232, 220, 255}, {176, 98, 60, 255}, {90, 120, 140, 255}},
}

// drawProduct paints a 640×480 picture of the product's subject: a woven
// cloth for textiles, a jar or bottle for preserves, else a heap of round
// produce on a sunlit ground. No image is downloaded.
func drawProduct(art string, r *rand.Rand) ([]byte, error) {
	const w, h = 640, 480
	pal, ok := artPalettes[art]
	if !ok {
		pal = artPalettes["jujube"]
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bg, main, acc := pal[0], pal[1], pal[2]
	for y := 0; y < h; y++ { // warm vertical gradient
		t := float64(y) / h
		span(img, y, 0, w, color.RGBA{shade(bg.R, -20*t), shade(bg.G, -24*t), shade(bg.B, -30*t), 255})
	}
	switch art {
	case "silk", "carpet":
		for y := 60; y < h-60; y++ {
			for x := 100; x < w-100; x += 10 {
				band := (y/24 + x/40) % 4
				c := main
				if band == 1 || band == 3 {
					c = acc
				}
				if ((x-100)/30+(y-60)/30)%2 == 0 && art == "carpet" {
					c = blend(c, bg, 0.25)
				}
				span(img, y, x, x+10, c)
			}
		}
	case "jam", "juice", "oil":
		n := 1 + r.IntN(3)
		for i := 0; i < n; i++ {
			cx := w/2 + (i-n/2)*200
			fillRect(img, cx-70, 200, cx+70, 520, main)
			fillRect(img, cx-50, 150, cx+50, 200, acc)
			fillRect(img, cx-60, 300, cx+60, 400, blend(acc, bg, 0.5))
		}
	case "knife":
		for i := 0; i < 3; i++ {
			y := 200 + i*120
			fillRect(img, 160, y, 520, y+30, main)
			fillRect(img, 520, y-6, 660, y+36, acc)
		}
	case "pottery":
		fillEllipse(img, w/2, 380, 170, 170, main)
		fillRect(img, w/2-70, 160, w/2+70, 240, main)
		fillRect(img, w/2-170, 360, w/2+170, 372, acc)
	default:
		size := map[string]int{"pomegranate": 70, "melon": 120, "potato": 60, "eggs": 44, "chicken": 90, "meat": 110}[art]
		if size == 0 {
			size = 26
		}
		count := 260 * 26 / size
		if count > 260 {
			count = 260
		}
		for i := 0; i < count; i++ {
			// A heap: denser and higher in the middle.
			x := w/2 + int(r.NormFloat64()*float64(w)/6)
			y := h - 80 - int(math.Abs(r.NormFloat64())*float64(h)/4)
			rx, ry := size+r.IntN(size/3+1), size*3/4+r.IntN(size/3+1)
			if art == "eggs" {
				rx, ry = size*3/4, size
			}
			c := blend(main, acc, r.Float64()*0.6)
			fillEllipse(img, x, y, rx, ry, c)
			fillEllipse(img, x-rx/3, y-ry/3, rx/5+1, ry/6+1, blend(c, color.RGBA{255, 255, 255, 255}, 0.45))
			if art == "meat" {
				fillRect(img, x-rx/2, y-2, x+rx/2, y+4, acc)
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func shade(v uint8, d float64) uint8 {
	return uint8(math.Max(0, math.Min(255, float64(v)+d)))
}

func blend(a, b color.RGBA, t float64) color.RGBA {
	m := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 255}
}

// span paints pixels x0 ≤ x < x1 of row y.
func span(img *image.RGBA, y, x0, x1 int, c color.RGBA) {
	b := img.Bounds()
	if y < b.Min.Y || y >= b.Max.Y {
		return
	}
	x0, x1 = max(x0, b.Min.X), min(x1, b.Max.X)
	if x0 >= x1 {
		return
	}
	row := img.Pix[img.PixOffset(x0, y):img.PixOffset(x1, y)]
	px := []byte{c.R, c.G, c.B, c.A}
	copy(row, px)
	for n := 4; n < len(row); n *= 2 {
		copy(row[n:], row[:n])
	}
}

func fillRect(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	for y := y0; y < y1; y++ {
		span(img, y, x0, x1, c)
	}
}

func fillEllipse(img *image.RGBA, cx, cy, rx, ry int, c color.RGBA) {
	for y := cy - ry; y <= cy+ry; y++ {
		dy := float64(y-cy) / float64(ry)
		if d := 1 - dy*dy; d >= 0 {
			half := int(float64(rx) * math.Sqrt(d))
			span(img, y, cx-half, cx+half+1, c)
		}
	}
}
