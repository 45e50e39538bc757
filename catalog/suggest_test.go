package catalog

import (
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Sentences of the 2025 Sichuan report (shared/eval/dev/sichuan-2025.txt)
// and the unit that clearly leads each.
var leadTests = []struct{ text, lead string }{
	{"改造老旧小区4000个以上、城市危旧房3万套、城中村10万户", "住房城乡建设厅"},
	{"新建畜牧业高质量发展重点县30个，确保全省生猪出栏稳定在6000万头以上", "农业农村厅"},
	{"城镇新增就业85万人", "人力资源社会保障厅"},
	{"城镇调查失业率5.5%左右", "人力资源社会保障厅"},
	{"新改建农村公路8000公里", "交通运输厅"},
	{"粮食产量725亿斤以上", "农业农村厅"},
	{"地区生产总值增长5.5%以上", "省发展改革委"},
	{"地方一般公共预算收入增长2%", "财政厅"},
	{"开工建设引大济岷等重大水利工程，加快长征渠引水工程前期工作", "水利厅"},
	{"整区域推进高标准农田建设，打造粮油千亩高产示范片1000个", "农业农村厅"},
	{"规划布局第二批天府实验室，完成137家省重点实验室优化重组", "科技厅"},
	{"持续实施六大优势产业提质倍增行动，力争2027年建成6个万亿级产业", "经济和信息化厅"},
	{"积极发展首发经济、冰雪经济、夜间经济和银发经济", "商务厅"},
	{"高质量建设大熊猫国家公园，加快创建若尔盖国家公园", "省林业和草原局"},
	{"加快国家中医药综合改革示范区建设，推进县级中医医院“两专科一中心”和“治未病”中心建设", "省中医药局"},
	{"适度提高城乡低保标准和特困供养人员基本生活标准低限，稳步推进残疾人“两项补贴”提标", "民政厅"},
	{"健全基本医保参保长效机制，提高城乡居民医保财政补助标准", "省医保局"},
	{"实施空气质量持续改善行动计划，以降低PM2.5浓度为主线", "生态环境厅"},
	{"推动全民健身，加快补齐公共体育设施短板", "省体育局"},
	{"纵深推进信访工作法治化，坚持和发展新时代“枫桥经验”", "省信访局"},
	{"扎实推进安全生产治本攻坚三年行动，聚焦矿山、危险化学品、燃气安全、建筑施工、“九小场所”、有限空间、电动自行车等重点领域开展专项整治", "应急管理厅"},
	{"优化财政支出结构，深化零基预算改革，加强对基层“三保”资金全过程监督", "财政厅"},
	{"组建运营好四川能源发展集团、数据集团、轨道交通集团", "省国资委"},
	{"推动西部陆海新通道西线主通道贯通，提升中欧、中老班列等运行质效", "省口岸物流办"},
	{"扎实推进39个欠发达县域托底性帮扶，提升防止返贫致贫监测帮扶效能", "省乡村振兴局"},
	{"常态化做好地质灾害防治，开展新一轮避险搬迁和工程治理，推动重点县城地质安全综合整治", "自然资源厅"},
	{"加强“三江”水电基地风电光伏开发和送出电力线路建设", "省能源局"},
	{"完善义务教育优质均衡推进机制，持续深化学区制和集团化办学改革", "教育厅"},
	{"注重发挥在川领馆作用，推进民间外交，深化友城交往", "省外事办"},
	{"依法严厉打击暴力恐怖、涉黑涉恶、电信网络诈骗等突出违法犯罪", "公安厅"},
}

func TestSuggestLead(t *testing.T) {
	c := Sichuan()
	for _, tt := range leadTests {
		got := c.Suggest(tt.text, 3)
		if len(got) == 0 || got[0].Unit != tt.lead {
			t.Errorf("Suggest(%q)[0] = %v, want %s", tt.text, got, tt.lead)
		}
	}
}

// Realistic co-units: each want unit is among the top three.
func TestSuggestTop3(t *testing.T) {
	c := Sichuan()
	tests := []struct {
		text string
		want []string
	}{
		{"建设更高水平的社会治安防控体系，扎实开展“制胜”专项行动，依法严厉打击暴力恐怖、涉黑涉恶、电信网络诈骗", []string{"公安厅", "省委政法委"}},
		{"加快国家和省级区域公卫中心建设，持续强化重大传染病和重大慢性病防治", []string{"省疾控局", "省卫生健康委"}},
		{"高水平建设成都天府国际空港综合保税区，推动跨境电商综合试验区差异化发展", []string{"商务厅", "成都海关"}},
		{"适度提高城乡低保标准和特困供养人员基本生活标准低限，稳步推进残疾人“两项补贴”提标", []string{"民政厅", "省残联"}},
		{"坚持把高校毕业生就业作为重中之重，稳定农民工转移就业规模，做好退役军人就业服务", []string{"人力资源社会保障厅", "退役军人事务厅"}},
		{"严守耕地和永久基本农田保护红线，分类有序推进耕地恢复，建立耕地种植用途监测体系", []string{"自然资源厅", "农业农村厅"}},
		{"加快商品房去库存，合理控制新增房地产土地供应，盘活存量用地和商办用房", []string{"住房城乡建设厅", "自然资源厅"}},
		{"开展森林草原防灭火“防救治”一体化系统治理，把人为火灾风险降到最低", []string{"应急管理厅", "省林业和草原局"}},
	}
	for _, tt := range tests {
		got := c.Suggest(tt.text, 3)
		var units []string
		for _, s := range got {
			units = append(units, s.Unit)
		}
		for _, w := range tt.want {
			if !slices.Contains(units, w) {
				t.Errorf("Suggest(%q) = %v, want %s in the top 3", tt.text, units, w)
			}
		}
	}
}

func TestSuggestMatched(t *testing.T) {
	c := Sichuan()
	got := c.Suggest("改造老旧小区4000个以上、城市危旧房3万套、城中村10万户", 1)
	if len(got) != 1 {
		t.Fatalf("Suggest(…, 1) returned %d suggestions", len(got))
	}
	// The words of the text, in text order.
	if want := []string{"老旧小区", "危旧房", "城中村"}; !reflect.DeepEqual(got[0].Matched, want) {
		t.Errorf("Matched = %v, want %v", got[0].Matched, want)
	}
	// A word counts once however often it occurs.
	once := c.Suggest("新改建农村公路8000公里", 1)
	twice := c.Suggest("新改建农村公路8000公里，养护农村公路", 1)
	if once[0].Score != twice[0].Score || len(twice[0].Matched) != 1 {
		t.Errorf("repeated keyword: %v vs %v", once, twice)
	}
	// A longer keyword hides the shorter ones inside it.
	g := c.Suggest("推进高速公路建设", 5)
	if len(g) != 1 || !reflect.DeepEqual(g[0].Matched, []string{"高速公路"}) {
		t.Errorf("Suggest(高速公路) = %v, want 交通运输厅 with [高速公路] only", g)
	}
	// Also across units: 新能源汽车 (经信) hides 新能源 (能源局).
	g = c.Suggest("推广新能源汽车", 5)
	if len(g) != 1 || g[0].Unit != "经济和信息化厅" {
		t.Errorf("Suggest(新能源汽车) = %v, want 经济和信息化厅 only", g)
	}
}

func TestSuggestNameMention(t *testing.T) {
	c := Sichuan()
	// An explicit name outweighs another unit's keyword.
	got := c.Suggest("由省体育局牵头改造老旧小区", 2)
	if len(got) != 2 || got[0].Unit != "省体育局" || got[1].Unit != "住房城乡建设厅" {
		t.Fatalf("Suggest = %v, want 省体育局 then 住房城乡建设厅", got)
	}
	if !slices.Contains(got[0].Matched, "省体育局") {
		t.Errorf("Matched = %v, want the name", got[0].Matched)
	}
	// Any short form counts, and names the unit by its label.
	got = c.Suggest("省住建厅会同省发改委推进城市更新", 2)
	if len(got) != 2 || got[0].Unit != "住房城乡建设厅" || got[1].Unit != "省发展改革委" {
		t.Fatalf("Suggest = %v, want 住房城乡建设厅 then 省发展改革委", got)
	}
	if got[1].Score <= 0.8 {
		t.Errorf("a name mention scores %v, want > 0.8", got[1].Score)
	}
}

func TestSuggestEmpty(t *testing.T) {
	c := Sichuan()
	for _, text := range []string{"", "各位代表", "a", "\xff\xfe", "让每一个努力奔跑的奋斗者都能被看见"} {
		got := c.Suggest(text, 3)
		if got == nil || len(got) != 0 {
			t.Errorf("Suggest(%q) = %#v, want an empty non-nil slice", text, got)
		}
	}
	if got := c.Suggest("新改建农村公路8000公里", 0); got == nil || len(got) != 0 {
		t.Errorf("Suggest(…, 0) = %#v, want an empty non-nil slice", got)
	}
}

func TestSuggestWeights(t *testing.T) {
	// Longer keywords weigh more; keywords shared by more units weigh less.
	if !(keywordWeight(5, 1, 75) > keywordWeight(2, 1, 75)) {
		t.Error("a 5-character keyword does not outweigh a 2-character one")
	}
	if !(keywordWeight(4, 1, 75) > keywordWeight(4, 2, 75) && keywordWeight(4, 2, 75) > keywordWeight(4, 10, 75)) {
		t.Error("shared keywords do not weigh less")
	}
	if w := keywordWeight(4, 1, 75); math.Abs(w-1) > 1e-9 {
		t.Errorf("keywordWeight(4, 1, 75) = %v, want 1", w)
	}
}

// planSentences returns the sentences of the plan part of the 2025 report.
func planSentences(tb testing.TB) []string {
	tb.Helper()
	b, err := os.ReadFile("../../shared/eval/dev/sichuan-2025.txt")
	if err != nil {
		tb.Skipf("report text not available: %v", err)
	}
	s := string(b)
	i := strings.Index(s, "重点做好9个方面工作")
	j := strings.Index(s, "加强政府自身建设")
	if i < 0 || j < i {
		tb.Fatal("plan part not found in the report")
	}
	return strings.FieldsFunc(s[i:j], func(r rune) bool { return r == '。' || r == '；' || r == '\n' })
}

// Invariants over every sentence of the plan part of the report.
func TestSuggestReport(t *testing.T) {
	c := Sichuan()
	sentences := planSentences(t)
	matched := 0
	for _, s := range sentences {
		got := c.Suggest(s, 3)
		if len(got) > 3 {
			t.Fatalf("Suggest(%q, 3) returned %d", s, len(got))
		}
		if len(got) > 0 {
			matched++
		}
		for i, g := range got {
			if !(g.Score > 0 && g.Score <= 1) {
				t.Errorf("%q: score %v outside (0,1]", s, g.Score)
			}
			if i > 0 && (got[i-1].Score < g.Score || got[i-1].Score == g.Score && got[i-1].Unit > g.Unit) {
				t.Errorf("%q: order %v", s, got)
			}
			if _, ok := c.Lookup(g.Unit); !ok {
				t.Errorf("%q: unit %q does not resolve", s, g.Unit)
			}
			if len(g.Matched) == 0 {
				t.Errorf("%q: %s has no matched words", s, g.Unit)
			}
			for _, m := range g.Matched {
				if !strings.Contains(s, m) {
					t.Errorf("%q: matched word %q not in the text", s, m)
				}
			}
		}
		if again := c.Suggest(s, 3); !reflect.DeepEqual(got, again) {
			t.Errorf("%q: not deterministic: %v then %v", s, got, again)
		}
	}
	// Most commitments name something a unit is responsible for.
	if matched < len(sentences)*3/4 {
		t.Errorf("only %d of %d plan sentences get a suggestion", matched, len(sentences))
	}
}

func BenchmarkSuggest(b *testing.B) {
	c := Sichuan()
	var texts []string
	for _, s := range planSentences(b) {
		// Commitments of about 60 characters.
		r := []rune(s)
		if len(r) > 60 {
			r = r[:60]
		}
		if len(r) >= 20 {
			texts = append(texts, string(r))
		}
	}
	chars := 0
	for _, s := range texts {
		chars += len(s)
	}
	b.SetBytes(int64(chars / len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Suggest(texts[i%len(texts)], 3)
	}
}
