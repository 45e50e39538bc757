package catalog

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSichuanLoads(t *testing.T) {
	c := Sichuan()
	us := c.Units()
	if len(us) != 75 {
		t.Fatalf("Sichuan() has %d units, want the 75 of the reference md", len(us))
	}
	labels := make(map[string]string)
	for _, u := range us {
		if len(u.Short) == 0 || len(u.Keywords) < 3 || u.Kind == "" {
			t.Errorf("%s: short %v, kind %q, %d keywords", u.Name, u.Short, u.Kind, len(u.Keywords))
		}
		if other, dup := labels[u.Label()]; dup {
			t.Errorf("label %s names both %s and %s", u.Label(), other, u.Name)
		}
		labels[u.Label()] = u.Name
		for _, k := range u.Keywords {
			// Cleaned keywords are short phrases that can occur in report
			// text: no uncertainty markers, notes or lists left over.
			if strings.ContainsAny(k, "?？()（）/、，“”\" ") || utf8.RuneCountInString(k) > 14 {
				t.Errorf("%s: keyword %q is not a clean phrase", u.Name, k)
			}
		}
		for _, n := range append([]string{u.Name}, u.Short...) {
			got, ok := c.Lookup(n)
			if !ok || got.Name != u.Name {
				t.Errorf("Lookup(%q) = %q, %v; want %q", n, got.Name, ok, u.Name)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	c := Sichuan()
	tests := []struct{ name, want string }{
		{"住房城乡建设厅", "四川省住房和城乡建设厅"},
		{"省住房城乡建设厅", "四川省住房和城乡建设厅"},
		{"省住建厅", "四川省住房和城乡建设厅"},
		{"四川省住房和城乡建设厅", "四川省住房和城乡建设厅"},
		{"经济和信息化厅", "四川省经济和信息化厅"},
		{"省经信厅", "四川省经济和信息化厅"},
		{"省发展改革委", "四川省发展和改革委员会"},
		{"发展改革委", "四川省发展和改革委员会"}, // 省 added
		{"四川省发展改革委", "四川省发展和改革委员会"},
		{"交通运输厅", "四川省交通运输厅"},
		{"省交通运输厅", "四川省交通运输厅"},
		{"人力资源社会保障厅", "四川省人力资源和社会保障厅"},
		{"省人社厅", "四川省人力资源和社会保障厅"},
		{"省知识产权局", "四川省市场监督管理局"},
		{"省林草局", "四川省林业和草原局"},
		{"省卫生健康委", "四川省卫生健康委员会"},
		{" 省医保局 ", "四川省医疗保障局"},
		{"成都海关", "中华人民共和国成都海关"},
		{"省委宣传部", "中共四川省委宣传部"},
	}
	for _, tt := range tests {
		got, ok := c.Lookup(tt.name)
		if !ok || got.Name != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.name, got.Name, ok, tt.want)
		}
	}
	for _, name := range []string{"", "省", "四川省", "厅", "住房城乡", "省交通厅", "绵阳市"} {
		if got, ok := c.Lookup(name); ok {
			t.Errorf("Lookup(%q) = %q, want no unit", name, got.Name)
		}
	}
}

func TestUnitsIsCopy(t *testing.T) {
	c := Sichuan()
	us := c.Units()
	us[0].Short[0] = "changed"
	us[0].Keywords[0] = "changed"
	if got := c.Units()[0]; got.Short[0] == "changed" || got.Keywords[0] == "changed" {
		t.Fatal("changing the result of Units changed the catalog")
	}
	u, _ := c.Lookup("交通运输厅")
	u.Keywords[0] = "changed"
	if u2, _ := c.Lookup("交通运输厅"); u2.Keywords[0] == "changed" {
		t.Fatal("changing the result of Lookup changed the catalog")
	}
}

const header = "name\tshort\tkind\tkeywords\tnote\n"

func TestLoad(t *testing.T) {
	in := "\uFEFF# comment\n" + header +
		"四川省交通运输厅\t交通运输厅|省交通运输厅\t组成部门\t农村公路|高速公路\t\r\n" +
		"\n" +
		"四川省水利厅\t水利厅\t组成部门\t水库\tnote with spaces\n"
	c, err := Load(strings.NewReader(in), "x.tsv")
	if err != nil {
		t.Fatal(err)
	}
	us := c.Units()
	if len(us) != 2 || us[0].Name != "四川省交通运输厅" || us[1].Note != "note with spaces" ||
		strings.Join(us[0].Keywords, ",") != "农村公路,高速公路" || us[0].Label() != "交通运输厅" {
		t.Fatalf("Load = %+v", us)
	}
	if got := c.Suggest("新改建农村公路8000公里", 5); len(got) != 1 || got[0].Unit != "交通运输厅" {
		t.Fatalf("Suggest on a loaded catalog = %+v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	row := func(cols ...string) string { return strings.Join(cols, "\t") + "\n" }
	ok := row("四川省水利厅", "水利厅", "组成部门", "水库|灌区", "")
	tests := []struct{ name, in, want string }{
		{"empty file", "", "x.tsv: no header row"},
		{"comments only", "# a\n# b\n", "x.tsv: no header row"},
		{"no units", header, "x.tsv: no units"},
		{"bad header", "name\tshort\tkind\tkeywords\n" + ok, `x.tsv:1: header: want "name short kind keywords note", got "name short kind keywords"`},
		{"too few columns", header + ok + row("四川省教育厅", "教育厅", "组成部门", "学前教育"), "x.tsv:3: want 5 tab-separated columns, got 4"},
		{"too many columns", header + row("a", "b", "c", "dd", "e", "f"), "x.tsv:2: want 5 tab-separated columns, got 6"},
		{"empty name", header + row("", "教育厅", "组成部门", "学前教育", ""), "x.tsv:2: column 1 (name): empty"},
		{"spaced name", header + row(" 四川省教育厅", "教育厅", "组成部门", "学前教育", ""), `x.tsv:2: column 1 (name): " 四川省教育厅" has surrounding spaces`},
		{"duplicate name", header + ok + "# c\n" + ok, `x.tsv:4: column 1 (name): duplicate name "四川省水利厅" (line 2)`},
		{"empty short", header + row("四川省教育厅", "", "组成部门", "学前教育", ""), "x.tsv:2: column 2 (short): empty"},
		{"empty short item", header + row("四川省教育厅", "教育厅||省教育厅", "组成部门", "学前教育", ""), "x.tsv:2: column 2 (short): item 2 is empty"},
		{"short names another unit", header + ok + row("四川省教育厅", "水利厅", "组成部门", "学前教育", ""), `x.tsv:3: column 2 (short): short name "水利厅" already names the unit of line 2`},
		{"short is other full name", header + ok + row("四川省教育厅", "四川省水利厅", "组成部门", "学前教育", ""), `x.tsv:3: column 2 (short): short name "四川省水利厅" already names the unit of line 2`},
		{"empty kind", header + row("四川省教育厅", "教育厅", " ", "学前教育", ""), "x.tsv:2: column 3 (kind): empty"},
		{"empty keywords", header + ok + row("四川省教育厅", "教育厅", "组成部门", "", ""), "x.tsv:3: column 4 (keywords): empty"},
		{"empty keyword", header + row("四川省教育厅", "教育厅", "组成部门", "学前教育|", ""), "x.tsv:2: column 4 (keywords): item 2 is empty"},
		{"spaced keyword", header + row("四川省教育厅", "教育厅", "组成部门", "学前教育| 高校", ""), `x.tsv:2: column 4 (keywords): item " 高校" has surrounding spaces`},
		{"short keyword", header + row("四川省自然资源厅", "自然资源厅", "组成部门", "耕地|锂", ""), `x.tsv:2: column 4 (keywords): keyword "锂" shorter than 2 characters`},
		{"duplicate keyword", header + row("四川省教育厅", "教育厅", "组成部门", "高校|学前教育|高校", ""), `x.tsv:2: column 4 (keywords): duplicate keyword "高校"`},
		{"invalid utf-8", header + "\xff\xfe\tb\tc\tdd\te\n", "x.tsv:2: invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(strings.NewReader(tt.in), "x.tsv")
			if err == nil {
				t.Fatalf("Load = %d units, want error %q", len(c.Units()), tt.want)
			}
			if err.Error() != tt.want {
				t.Fatalf("Load error\n got %q\nwant %q", err, tt.want)
			}
		})
	}
	// A malformed row is a *ParseError with its position.
	_, err := Load(strings.NewReader(header+ok+row("四川省教育厅", "教育厅", "组成部门", "", "")), "y.tsv")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != "y.tsv" || pe.Line != 3 || pe.Column != 4 || pe.Name != "keywords" {
		t.Fatalf("error %v is not the *ParseError of y.tsv:3 column 4", err)
	}
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestLoadReadError(t *testing.T) {
	_, err := Load(failReader{}, "x.tsv")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.HasPrefix(err.Error(), "x.tsv:") {
		t.Fatalf("Load(failing reader) error = %v", err)
	}
}
