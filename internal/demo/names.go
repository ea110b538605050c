package demo

// Word lists of the demo registry. Uyghur personal names and place-name
// elements in their usual Chinese transliteration; nothing here names a real
// person.

// maleNames are given names of men; a head's name is the given name, a
// middle dot and the father's given name (阿依古丽·买买提).
var maleNames = []string{
	"买买提", "艾力", "吐尔逊", "阿卜杜拉", "艾买提", "阿不都热依木", "努尔买买提", "热合曼",
	"依明", "肉孜", "玉素甫", "伊斯拉木", "阿迪力", "麦麦提敏", "艾克拜尔", "库尔班",
	"司马义", "吾斯曼", "买合木提", "亚森", "阿布都克力木", "托合提", "喀迪尔", "艾则孜",
	"如则", "米吉提", "吾买尔", "阿塔吾拉", "海力力", "卡德尔", "阿不力孜", "艾山",
	"赛买提", "图尔洪", "奥斯曼", "阿卜杜热合曼", "尼亚孜", "麦提图尔荪", "吐拉洪", "巴拉提",
}

// femaleNames are given names of women.
var femaleNames = []string{
	"阿依古丽", "古丽米热", "热依汗古丽", "帕提古丽", "阿依努尔", "古丽娜尔", "布维仙木", "阿米娜",
	"则乃普", "阿依仙木", "努尔比亚", "热孜万古丽", "祖丽胡玛尔", "玛依拉", "萨拉买提", "海丽其汗",
	"阿瓦古丽", "再努尔", "如克亚", "米热古丽", "图尔荪古丽", "帕丽旦", "阿孜古丽", "阿娜尔古丽",
	"茹仙古丽", "买热木妮萨", "阿提卡木", "排孜古丽",
}

// villagePrefixes and villageRoots combine into village names such as
// 阿克提坎 (white + 提坎), 托万克艾日克 (lower + canal), 喀拉墩 (black mound).
var villagePrefixes = []string{
	"阿克", "喀拉", "托万", "尤喀克", "英", "科克", "阔什", "巴什",
	"阿亚克", "奥依", "克孜勒", "吐格曼", "恰", "其格", "塔什", "博斯坦",
}

var villageRoots = []string{
	"提坎", "克艾日克", "墩", "吾斯塘", "阿瓦提", "巴格", "兰干", "托格拉克",
	"布拉克", "艾日克", "库勒", "巴扎", "买里", "亚", "阿热勒", "苏",
	"玉吉买", "铁热克", "萨依", "其兰", "霍依拉", "克其克", "喀什", "也尔",
	"贝希", "博依", "坎", "塔木", "吐提", "米西",
}

// ordinals tell apart villages once every prefix × root name of a township
// is taken (阿克墩二村).
var ordinals = []string{"", "二", "三", "四", "五", "六", "七", "八", "九"}

// countyProfile is how many demo cooperatives a county gets, what they
// produce, and the county's share of the demo households (roughly its rural
// population).
type countyProfile struct {
	weight   int
	products []string // name endings after "<county><township>"
}

var countyProfiles = map[string]countyProfile{
	"653125": {20, []string{"巴旦木种植农民专业合作社", "薄皮核桃种植农民专业合作社", "蔬菜种植农民专业合作社"}}, // 莎车县
	"653126": {13, []string{"核桃种植农民专业合作社", "石榴种植农民专业合作社", "土鸡养殖农民专业合作社"}},    // 叶城县
	"653129": {11, []string{"新梅种植农民专业合作社", "甜瓜种植农民专业合作社"}},                   // 伽师县
	"653123": {7, []string{"色买提杏种植农民专业合作社", "鸽子养殖农民专业合作社"}},                  // 英吉沙县
	"653222": {14, []string{"核桃种植农民专业合作社", "肉鸽养殖农民专业合作社", "大芸种植农民专业合作社"}},    // 墨玉县
	"653223": {8, []string{"核桃种植农民专业合作社", "石榴种植农民专业合作社"}},                    // 皮山县
	"653224": {8, []string{"养兔专业合作社", "核桃种植农民专业合作社"}},                        // 洛浦县 (+ the demo cooperative)
	"653225": {4, []string{"红枣种植农民专业合作社", "石榴种植农民专业合作社"}},                    // 策勒县
	"653226": {7, []string{"玫瑰花农民专业合作社", "大芸种植农民专业合作社", "红枣种植农民专业合作社"}},      // 于田县
	"653022": {6, []string{"牦牛养殖农民专业合作社", "巴仁杏种植农民专业合作社"}},                   // 阿克陶县
}

// defaultProfile serves a listed county missing from countyProfiles (should
// the reference data change).
var defaultProfile = countyProfile{8, []string{"林果种植农民专业合作社", "牛羊养殖农民专业合作社"}}
