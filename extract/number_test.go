package extract

import "testing"

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"725", "725", true},
		{"1.4万亿", "1400000000000", true},
		{"3万", "30000", true},
		{"5000万", "50000000", true},
		{"28.5万亿", "28500000000000", true},
		{"0.5", "0.5", true},
		{"１２", "12", true},
		{"五千亿", "500000000000", true},
		{"十万", "100000", true},
		{"三万", "30000", true},
		{"十二", "12", true},
		{"一百二十", "120", true},
		{"两千", "2000", true},
		{"一万二千", "12000", true},
		{"三千五百万", "35000000", true},
		{"十亿", "1000000000", true},
		{"一百亿亿", "1000000000000000000", true},
		{"4.06万亿", "4060000000000", true},
		{"", "", false},
		{"万", "", false},
		{"亿级", "", false},
		{"3万套", "", false},
		{"1.2.3", "", false},
		{"一二", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseNumber(tt.in)
		if ok != tt.ok {
			t.Errorf("ParseNumber(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			continue
		}
		if ok && got.String() != tt.want {
			t.Errorf("ParseNumber(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"725", "1.4万亿", "五千亿", "十万", "一百亿亿", "3.5", "两千", "9999999999999999999999亿亿亿"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseNumber(s)
		if ok && v.Sign() < 0 {
			t.Fatalf("ParseNumber(%q) = %s, negative", s, v)
		}
	})
}
