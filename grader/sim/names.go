package sim

// Common family and given names, for the roster's display names.
var (
	familyNames = [...]string{
		"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
		"吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水",
		"山崎", "森", "池田", "橋本", "阿部", "石川", "山下", "中島", "石井", "小川",
		"前田", "岡田", "長谷川", "藤田", "後藤", "近藤", "村上", "遠藤", "青木", "坂本",
	}
	givenNames = [...]string{
		"花子", "太郎", "翔太", "美咲", "健太", "陽菜", "大輔", "さくら", "拓海", "結衣",
		"直樹", "葵", "一郎", "愛", "誠", "真由美", "亮", "彩", "蓮", "七海",
		"悠斗", "美穂", "健一", "由美", "和也", "恵", "颯太", "莉子", "翼", "明美",
		"大樹", "千尋", "智也", "優子", "慎也", "舞", "隆", "奈々", "修", "楓",
	}
)

// displayName is the i-th student's name, such as "佐藤 花子". The first
// 1600 students of a class all get different names.
func displayName(seed int64, i int) string {
	r := rng{seed: seed, login: "roster"}
	nf, ng := len(familyNames), len(givenNames)
	f0 := int(r.u("family") * float64(nf))
	g0 := int(r.u("given") * float64(ng))
	// 17 and 23 are prime to 40: the first 40 students have different
	// family names, and each later lap shifts the given names by one.
	family := familyNames[(f0+17*i)%nf]
	given := givenNames[(g0+23*i+i/nf)%ng]
	return family + " " + given
}
