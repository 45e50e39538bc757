package catalog

import (
	"errors"
	"strings"
	"testing"
)

func FuzzLoad(f *testing.F) {
	f.Add(sichuanDepartments)
	f.Add(sichuanRegionsFile)
	broken := []string{
		"",
		header,
		header + "a\tb\tc\td\n",
		header + "四川省水利厅\t水利厅\t组成部门\t\t\n",
		header + "四川省水利厅\t水利厅||\t组成部门\t水库\t\n",
		header + "四川省水利厅\t水利厅\t组成部门\t水库|锂\t\n",
		header + "四川省水利厅\t水利厅\t组成部门\t水库\t\n四川省水利厅\t水利厅\t组成部门\t水库\t\n",
		header + "\xff\t水利厅\t组成部门\t水库\t\n",
		"\uFEFF" + header + "四川省水利厅\t水利厅\t组成部门\t水库\t\r\n",
		strings.Replace(sichuanDepartments, "\t", "", 40),
		strings.Replace(sichuanDepartments, "|", "||", 30),
		sichuanDepartments[:len(sichuanDepartments)/2],
	}
	for _, s := range broken {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Load(strings.NewReader(in), "fuzz.tsv")
		if err != nil {
			if c != nil {
				t.Fatal("Load returned a catalog and an error")
			}
			var pe *ParseError
			if errors.As(err, &pe) && pe.File != "fuzz.tsv" || !strings.HasPrefix(err.Error(), "fuzz.tsv") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		// A catalog that loads must work: every name resolves and
		// suggesting on the input itself neither panics nor breaks order.
		for _, u := range c.Units() {
			if got, ok := c.Lookup(u.Name); !ok || got.Name != u.Name {
				t.Fatalf("Lookup(%q) = %q, %v", u.Name, got.Name, ok)
			}
		}
		got := c.Suggest(in, 5)
		if got == nil || len(got) > 5 {
			t.Fatalf("Suggest returned %d suggestions (nil %v)", len(got), got == nil)
		}
		for i := 1; i < len(got); i++ {
			if got[i-1].Score < got[i].Score {
				t.Fatalf("Suggest order: %v", got)
			}
		}
		_, _ = LoadRegions(strings.NewReader(in), "fuzz.tsv")
	})
}
