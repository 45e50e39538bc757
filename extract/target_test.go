package extract

import (
	"strings"
	"testing"

	"luoshi"
)

// TestTargets reads one plan sentence at a time and checks every target it
// yields, and that labels, ordinals, thresholds and context figures yield
// none.
func TestTargets(t *testing.T) {
	type want struct {
		value, max, unit, cmp string
		strive                bool
		deadline              int
		object                string // must be contained in the object
	}
	tests := []struct {
		name string
		text string
		want []want
	}{
		{"at least", "改造老旧小区4000个以上、城市危旧房3万套、城中村10万户。",
			[]want{{"4000", "", "个", ">=", false, 0, "老旧小区"}, {"30000", "", "套", "=", false, 0, "危旧房"}, {"100000", "", "户", "=", false, 0, "城中村"}}},
		{"exact decimal", "粮食产量1.4万亿斤左右。", []want{{"1400000000000", "", "斤", "~", false, 0, "粮食产量"}}},
		{"strive and deadline", "力争2027年建成6个万亿级产业。", []want{{"6", "", "个", "=", true, 2027, "万亿级产业"}}},
		{"range", "经济增长5%—6%。", []want{{"5", "6", "%", "range", false, 0, "经济"}}},
		{"range without first unit", "力争获得省市立项支持1—2项。", []want{{"1", "2", "项", "range", true, 0, "立项支持"}}},
		{"percentage points", "城镇化率提高1.2个百分点。", []want{{"1.2", "", "个百分点", "=", false, 0, "城镇化率"}}},
		{"unit with qian", "新增装机500万千瓦。", []want{{"5000000", "", "千瓦", "=", false, 0, "装机"}}},
		{"list shares comparator", "城乡居民人均可支配收入分别增长7.5%、8.5%以上。",
			[]want{{"7.5", "", "%", ">=", false, 0, "可支配收入"}, {"8.5", "", "%", ">=", false, 0, "可支配收入"}}},
		{"prefix comparator shared", "用于产业发展的比例不低于60%、55%。",
			[]want{{"60", "", "%", ">=", false, 0, "比例"}, {"55", "", "%", ">=", false, 0, "比例"}}},
		{"ceiling", "城镇登记失业率控制在4%以内。", []want{{"4", "", "%", "<=", false, 0, "失业率"}}},
		{"about before", "约束性指标约3000亩。", []want{{"3000", "", "亩", "~", false, 0, ""}}},
		{"duo", "新建村级服务站3900多个。", []want{{"3900", "", "个", ">=", false, 0, "服务站"}}},
		{"chao", "力争全年接待游客人数超900万人次。", []want{{"9000000", "", "人次", ">=", true, 0, "游客"}}},
		{"people without measure word", "为200万中小学生提供营养餐。", []want{{"2000000", "", "人", "=", false, 0, ""}}},
		{"chinese numerals", "培育粮油五千亿元产业，新增就业三万人。", []want{{"500000000000", "", "元", "=", false, 0, ""}, {"30000", "", "人", "=", false, 0, "就业"}}},
		{"full-width digits", "新建公园１２个。", []want{{"12", "", "个", "=", false, 0, "公园"}}},
		{"from X to Y", "基础养老金最低标准从2375元提高到2423元。", []want{{"2423", "", "元", "=", false, 0, ""}}},
		{"examples before deng", "加快实施楠木河等3条中小河流治理。", []want{{"3", "", "条", "=", false, 0, "中小河流"}}},
		{"name inside enumeration", "确保20万吨电池级磷酸铁及磷酸铁锂等9个重点项目竣工投产。", []want{{"9", "", "个", "=", false, 0, "竣工投产"}}},
		{"label in quotes", "突出抓好“15+N”重点产业链，推进“5G+工业互联网”。", nil},
		{"label counts", "持续实施六大优势产业提质倍增行动，落实两项补贴和五个专项治理，深入落实十五条硬措施。", nil},
		{"ordinal", "推动第4批事项高效实施，办好第30届大会。", nil},
		{"years and durations", "面向2035年编制规划，启动三年攻坚行动，再延长30年试点，实施十年禁渔，用好240小时过境免签。", nil},
		{"threshold", "支持营收1亿元以上企业和500万元以上的技改项目。", nil},
		{"structure count", "重点做好9个方面工作，构建4个方向的走廊，对照23个主要指标。", nil},
		{"forecast", "预计今年高校毕业生超过1170万人。", nil},
		{"context without unit", "全省常住人口8300万。", nil},
		{"code names", "降低PM2.5浓度，发展6G，建设G227改建工程，用好12345热线。", nil},
		{"plus label", "落实“1+12”政策体系和1+N体系。", nil},
		{"after a quoted set", "积极培育“现代种业、现代装备、冷链物流”3个先导性支撑产业。", nil},
		{"ages are not units", "满3岁即入园。", nil},
		{"foreign currency", "实际使用外资50亿美元。", []want{{"5000000000", "", "美元", "=", false, 0, "外资"}}},
		{"compound unit", "PM2.5平均浓度控制在30微克/立方米以内。", []want{{"30", "", "微克/立方米", "<=", false, 0, "浓度"}}},
		{"life expectancy", "人均预期寿命提高到79岁。", []want{{"79", "", "岁", "=", false, 0, "寿命"}}},
		{"5G base stations", "新建5G基站1万个。", []want{{"10000", "", "个", "=", false, 0, "基站"}}},
		{"level by a date", "到2027年，全省规模以上工业企业数字化转型比例达到70%以上。", []want{{"70", "", "%", ">=", false, 2027, "比例"}}},
		{"plan-year date is no deadline", "2025年底前完成改造100个。", []want{{"100", "", "个", "=", false, 0, ""}}},
		{"last year", "在去年增长5.7%的基础上继续发力。", nil},
		{"kilovolt line name", "推进阿坝至成都东1000千伏特高压交流工程建设。", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Extract("2025年工作安排\n"+tt.text, Options{Year: 2025})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Targets) != len(tt.want) {
				var got []string
				for _, x := range p.Targets {
					got = append(got, x.Value.String()+x.Unit+"«"+x.Text+"»")
				}
				t.Fatalf("%d targets %v, want %d", len(p.Targets), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := p.Targets[i]
				max := ""
				if g.ValueMax != nil {
					max = g.ValueMax.String()
				}
				if g.Value.String() != w.value || max != w.max || g.Unit != w.unit || g.Comparator != w.cmp ||
					g.Strive != w.strive || g.Deadline != w.deadline || !strings.Contains(g.Object, w.object) {
					t.Errorf("target %d = %s–%s %s %s strive=%v deadline=%d object=%q, want %s–%s %s %s strive=%v deadline=%d object∋%q",
						i, g.Value, max, g.Unit, g.Comparator, g.Strive, g.Deadline, g.Object,
						w.value, w.max, w.unit, w.cmp, w.strive, w.deadline, w.object)
				}
				if g.Commitment == "" || g.Sentence == "" {
					t.Errorf("target %d has no commitment or sentence", i)
				}
			}
		})
	}
}

// TestReviewAndGlossaryHaveNoTargets checks that numbers in last year's
// review and in a glossary are never targets.
func TestReviewAndGlossaryHaveNoTargets(t *testing.T) {
	text := "2025年某省政府工作报告\n各位代表：\n2024年工作回顾\n全省地区生产总值增长5.7%，新建公园12个。\n2025年工作安排\n新建公园20个。\n名词解释\n1.“三级百圈”：力争用5年时间，建设区域级标志性商圈100个。\n"
	p, err := Extract(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Targets) != 1 || p.Targets[0].Value.String() != "20" {
		t.Fatalf("targets = %+v, want only 20 个", p.Targets)
	}
	kinds := []string{}
	for _, s := range p.Sections {
		kinds = append(kinds, s.Kind)
	}
	if strings.Join(kinds, ",") != "review,plan,glossary" {
		t.Errorf("section kinds = %v", kinds)
	}
	if p.Year != 2025 || p.Jurisdiction != "某省" {
		t.Errorf("year %d jurisdiction %q", p.Year, p.Jurisdiction)
	}
}

// TestSectionsOfReports checks the parts and kinds read from the dev
// reports, which number their parts in three different styles.
func TestSectionsOfReports(t *testing.T) {
	tests := []struct {
		file  string
		title string
		year  int
		parts string // level-1 kinds
		nSecs int    // level-2 sections under plan parts, at least
		juris string
	}{
		{"sichuan-2025.txt", "2025年四川省政府工作报告", 2025, "review,plan,other,glossary", 9, "四川省"},
		{"sichuan-2026.txt", "2026年四川省人民政府工作报告", 2026, "review,plan,plan,glossary", 10, "四川省"},
		{"national-2024.txt", "政府工作报告", 2024, "review,plan,plan", 10, ""},
		{"miyi-2023.txt", "米易县2023年人民政府工作报告", 2023, "review,plan,other,glossary", 8, "米易县"},
		{"seed.txt", "政府工作报告", 0, "plan,plan,plan,plan,plan", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			p, err := Extract(readText(t, tt.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			secs := 0
			for _, s := range p.Sections {
				if s.Level == 1 {
					parts = append(parts, s.Kind)
				} else if s.Kind == luoshi.KindPlan {
					secs++
				}
			}
			if p.Title != tt.title || p.Year != tt.year || strings.Join(parts, ",") != tt.parts || secs < tt.nSecs || p.Jurisdiction != tt.juris {
				t.Errorf("title %q year %d parts %v plan sections %d jurisdiction %q; want %q %d %s ≥%d %q",
					p.Title, p.Year, parts, secs, p.Jurisdiction, tt.title, tt.year, tt.parts, tt.nSecs, tt.juris)
			}
			if len(p.Commitments) < 80 {
				t.Errorf("%d commitments, want at least 80", len(p.Commitments))
			}
		})
	}
}
