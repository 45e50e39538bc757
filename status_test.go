package luoshi

import (
	"testing"

	"luoshi/decimal"
)

func mustDec(s string) decimal.Decimal { return decimal.MustParse(s) }

func TestStatusLabels(t *testing.T) {
	want := []string{"已完成", "正常推进", "滞后", "严重滞后", "未报送"}
	for i, s := range Statuses {
		if s.Label() != want[i] || s.Index() != i {
			t.Errorf("%s: label %s index %d", s, s.Label(), s.Index())
		}
	}
	if Status("x").Index() != -1 || (Counts{1, 2, 3, 4, 5}).Total() != 15 {
		t.Error("index or total")
	}
}
