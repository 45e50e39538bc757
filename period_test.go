package luoshi

import (
	"testing"
	"time"
)

func TestCalendar(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		freq      string
		due       int
		n         int
		key3      string
		due3, end time.Time
	}{
		{Monthly, 5, 12, "2025-03", time.Date(2025, 4, 5, 0, 0, 0, 0, cst), time.Date(2026, 1, 1, 0, 0, 0, 0, cst)},
		{Quarterly, 10, 4, "2025Q3", time.Date(2025, 10, 10, 0, 0, 0, 0, cst), time.Date(2026, 1, 1, 0, 0, 0, 0, cst)},
		{Monthly, 0, 12, "2025-03", time.Date(2025, 3, 31, 0, 0, 0, 0, cst), time.Date(2026, 1, 1, 0, 0, 0, 0, cst)},
	}
	for _, tc := range tests {
		ps, err := Calendar(2025, tc.freq, tc.due, cst)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != tc.n || ps[2].Key != tc.key3 || !ps[2].Due.Equal(tc.due3) || !ps[len(ps)-1].End.Equal(tc.end) || ps[2].Seq != 3 {
			t.Errorf("%s/%d: %+v", tc.freq, tc.due, ps[2])
		}
		for i := 1; i < len(ps); i++ {
			if !ps[i].Start.Equal(ps[i-1].End) {
				t.Errorf("%s: gap between %s and %s", tc.freq, ps[i-1].Key, ps[i].Key)
			}
		}
	}
	if _, err := Calendar(2025, "weekly", 5, nil); ErrorCode(err) != EInvalid {
		t.Errorf("weekly: %v", err)
	}
}

func TestEvidenceLimits(t *testing.T) {
	l := EvidenceLimits{MaxBytes: 10, Types: []string{"application/pdf"}}
	tests := []struct {
		e  Evidence
		ok bool
	}{
		{Evidence{Name: "a.pdf", ContentType: "application/pdf", Data: []byte("0123456789")}, true},
		{Evidence{Name: "a.pdf", ContentType: "application/pdf", Data: []byte("0123456789A")}, false},
		{Evidence{Name: "a.pdf", ContentType: "application/pdf"}, false},
		{Evidence{Name: "a.exe", ContentType: "application/x-msdownload", Data: []byte("MZ")}, false},
		{Evidence{ContentType: "application/pdf", Data: []byte("x")}, false},
	}
	for i, tc := range tests {
		if err := l.Check(tc.e); (err == nil) != tc.ok || (err != nil && ErrorCode(err) != EInvalid) {
			t.Errorf("%d: %v", i, err)
		}
	}
}

func TestDiffPlans(t *testing.T) {
	old := &Plan{
		Commitments: []Commitment{{ID: "c0001", Text: "推进成渝中线高铁建设。"}, {ID: "c0002", Text: "新建5G基站4万个。"}, {ID: "c0003", Text: "办好民生实事。"}},
		Targets:     []Target{{ID: "t0001", Object: "5G基站", Unit: "万个", Comparator: CmpEqual, Value: mustDec("4")}},
	}
	new := &Plan{
		Commitments: []Commitment{{ID: "c0001", Text: "加快推进成渝中线高铁建设。"}, {ID: "c0002", Text: "新建5G基站5万个。"}, {ID: "c0003", Text: "开工建设西渝高铁。"}},
		Targets:     []Target{{ID: "t0001", Object: "5G基站", Unit: "万个", Comparator: CmpEqual, Value: mustDec("5")}},
	}
	d := DiffPlans(old, new)
	if len(d.Added) != 1 || d.Added[0].New != "c0003" || len(d.Removed) != 1 || d.Removed[0].Old != "c0003" || len(d.Changed) != 3 {
		t.Errorf("diff %+v", d)
	}
	if same := DiffPlans(old, old); !same.Empty() || len(same.Kept) != 4 {
		t.Errorf("diff of a plan with itself: %+v", same)
	}
}
