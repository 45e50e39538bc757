package decimal

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseAndString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"}, {"12", "12"}, {"-0.50", "-0.5"}, {"1.40", "1.4"}, {"+7", "7"},
		{"0.000123", "0.000123"}, {"100", "100"}, {"007", "7"}, {".5", "0.5"},
	}
	for _, tt := range tests {
		d, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if d.String() != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, d, tt.want)
		}
	}
	for _, bad := range []string{"", ".", "-", "1.2.3", "1e5", "12a", "１２", " 1"} {
		if _, err := Parse(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) err = %v, want ErrSyntax", bad, err)
		}
	}
	if _, err := Parse("1." + string(make([]byte, 0)) + "123456789012345678901234567890123456789012345678901234567890123456789"); !errors.Is(err, ErrRange) {
		t.Errorf("too many fraction digits: err = %v, want ErrRange", err)
	}
}

func TestArithmetic(t *testing.T) {
	a, b := MustParse("1.4"), MustParse("0.35")
	if got := a.Add(b).String(); got != "1.75" {
		t.Errorf("Add = %s", got)
	}
	if got := a.Sub(b).String(); got != "1.05" {
		t.Errorf("Sub = %s", got)
	}
	if got := a.Mul(b).String(); got != "0.49" {
		t.Errorf("Mul = %s", got)
	}
	v, err := a.MulPow10(12)
	if err != nil || v.String() != "1400000000000" {
		t.Errorf("1.4 × 10^12 = %s, %v", v, err)
	}
	if _, err := a.MulPow10(200); !errors.Is(err, ErrRange) {
		t.Errorf("MulPow10(200) err = %v, want ErrRange", err)
	}
	if got := Int(2).Quo(Int(3), 4).String(); got != "0.6667" {
		t.Errorf("2/3 = %s", got)
	}
	if got := Int(-1).Quo(Int(8), 2).String(); got != "-0.13" {
		t.Errorf("-1/8 = %s", got)
	}
	if a.Cmp(b) != 1 || b.Cmp(a) != -1 || a.Cmp(MustParse("1.40")) != 0 {
		t.Error("Cmp")
	}
	if !New(0, 3).IsZero() || Int(5).Sign() != 1 || New(5, -3).String() != "5000" {
		t.Error("New")
	}
	if f := MustParse("5.5").Float64(); f != 5.5 {
		t.Errorf("Float64 = %v", f)
	}
}

func TestJSON(t *testing.T) {
	type T struct {
		V Decimal  `json:"v"`
		P *Decimal `json:"p"`
	}
	in := T{V: MustParse("28500000000000"), P: nil}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `{"v":28500000000000,"p":null}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var out T
	for _, s := range []string{`{"v":1.4e12}`, `{"v":"1400000000000"}`, `{"v":1400000000000}`} {
		if err := json.Unmarshal([]byte(s), &out); err != nil || out.V.String() != "1400000000000" {
			t.Errorf("Unmarshal(%s) = %s, %v", s, out.V, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"v":"abc"}`), &out); err == nil {
		t.Error("Unmarshal of abc: no error")
	}
}
