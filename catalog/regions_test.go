package catalog

import (
	"errors"
	"strings"
	"testing"
)

func TestSichuanRegions(t *testing.T) {
	rs := SichuanRegions()
	count := map[string]int{}
	byCode := map[string]Region{}
	children := map[string]int{}
	for _, r := range rs {
		count[r.Level]++
		if _, dup := byCode[r.Code]; dup {
			t.Errorf("duplicate code %s", r.Code)
		}
		byCode[r.Code] = r
	}
	if count[LevelProvince] != 1 || count[LevelCity] != 21 || count[LevelCounty] != 183 || len(rs) != 205 {
		t.Fatalf("counts %v (total %d), want 1 province, 21 cities, 183 counties", count, len(rs))
	}
	for _, r := range rs {
		if r.Level == LevelProvince {
			if r.Code != "510000" || r.Name != "四川省" || r.Parent != "" {
				t.Errorf("province %+v", r)
			}
			continue
		}
		p, ok := byCode[r.Parent]
		if !ok {
			t.Errorf("%s %s: parent %s missing", r.Code, r.Name, r.Parent)
			continue
		}
		if want := parentLevel(r.Level); p.Level != want {
			t.Errorf("%s %s: parent %s is a %s, want a %s", r.Code, r.Name, p.Code, p.Level, want)
		}
		if r.Code[:2] != "51" || (r.Level == LevelCounty && r.Code[:4] != p.Code[:4]) {
			t.Errorf("%s %s: code does not fit parent %s", r.Code, r.Name, p.Code)
		}
		children[r.Parent]++
	}
	// Spot checks against GB/T 2260.
	for code, name := range map[string]string{
		"510100": "成都市", "510700": "绵阳市", "513400": "凉山彝族自治州",
		"510116": "双流区", "510781": "江油市", "513232": "若尔盖县", "513402": "会理市",
	} {
		if byCode[code].Name != name {
			t.Errorf("%s = %q, want %s", code, byCode[code].Name, name)
		}
	}
	if children["510100"] != 20 || children["513300"] != 18 {
		t.Errorf("成都市 has %d counties (want 20), 甘孜州 %d (want 18)", children["510100"], children["513300"])
	}
	rs[0].Name = "changed"
	if SichuanRegions()[0].Name == "changed" {
		t.Error("changing the result of SichuanRegions changed the data")
	}
}

func TestLoadRegionsErrors(t *testing.T) {
	const h = "code\tname\tparent_code\tlevel\n"
	prov := "510000\t四川省\t\tprovince\n"
	city := "510700\t绵阳市\t510000\tcity\n"
	tests := []struct{ name, in, want string }{
		{"empty", "", "r.tsv: no header row"},
		{"no regions", h, "r.tsv: no regions"},
		{"bad level", h + prov + "510700\t绵阳市\t510000\tprefecture\n", `r.tsv:3: column 4 (level): want province, city or county, got "prefecture"`},
		{"short code", h + "5100\t四川省\t\tprovince\n", `r.tsv:2: column 1 (code): "5100" is not a six-digit province code`},
		{"city code as county", h + prov + city + "510700\t绵阳\t510700\tcounty\n", `r.tsv:4: column 1 (code): "510700" is not a six-digit county code`},
		{"duplicate code", h + prov + city + city, "r.tsv:4: column 1 (code): duplicate code 510700 (line 3)"},
		{"empty name", h + prov + "510700\t\t510000\tcity\n", "r.tsv:3: column 2 (name): empty"},
		{"city without parent", h + prov + "510700\t绵阳市\t\tcity\n", "r.tsv:3: column 3 (parent_code): empty"},
		{"province with parent", h + "510000\t四川省\t100000\tprovince\n", `r.tsv:2: column 3 (parent_code): a province has no parent, got "100000"`},
		{"county under province", h + prov + "510781\t江油市\t510000\tcounty\n", `r.tsv:3: column 3 (parent_code): "510000" is not a six-digit city code`},
		{"missing parent", h + prov + city + "510781\t江油市\t510700\tcounty\n" + "513232\t若尔盖县\t513200\tcounty\n", "r.tsv:5: column 3 (parent_code): parent 513200 of 513232 若尔盖县 is not in the file"},
		{"columns", h + "510000\t四川省\tprovince\n", "r.tsv:2: want 4 tab-separated columns, got 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadRegions(strings.NewReader(tt.in), "r.tsv")
			if err == nil || err.Error() != tt.want {
				t.Fatalf("LoadRegions error\n got %v\nwant %s", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
		})
	}
	rs, err := LoadRegions(strings.NewReader(h+prov+city), "r.tsv")
	if err != nil || len(rs) != 2 || rs[1] != (Region{Code: "510700", Name: "绵阳市", Parent: "510000", Level: LevelCity}) {
		t.Fatalf("LoadRegions = %+v, %v", rs, err)
	}
}
