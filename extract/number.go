package extract

import (
	"strings"

	"luoshi/decimal"
)

// number is a number as written in a report: Arabic digits with Chinese
// multipliers (1.4万亿, 3万, 5000万) or Chinese numerals (五千亿, 三万).
type number struct {
	start, end int // rune offsets in the text scanned
	value      decimal.Decimal
	chinese    bool
	mult       bool // a multiplier (十百千万亿) was applied
}

// unitsWithQian are units that begin with 千, so a 千 before them is not a
// multiplier: 5万千瓦 is 50000 千瓦.
var unitsWithQian = []string{"千瓦时", "千瓦", "千米", "千克", "千伏", "千帕", "千焦"}

func multiplier(r rune) int {
	switch r {
	case '十':
		return 1
	case '百':
		return 2
	case '千':
		return 3
	case '万':
		return 4
	case '亿':
		return 8
	}
	return -1
}

// ParseNumber reads the whole of s as a number as reports write it: "725",
// "1.4万亿", "3万", "五千亿", "十万", "１２", and returns its exact value.
// It reports false when s is not entirely one such number.
func ParseNumber(s string) (decimal.Decimal, bool) {
	r := []rune(s)
	for i, x := range r {
		if x >= '０' && x <= '９' {
			r[i] = x - '０' + '0'
		} else if x == '．' {
			r[i] = '.'
		}
	}
	if len(r) == 0 {
		return decimal.Decimal{}, false
	}
	var n number
	var ok bool
	if isASCIIDigit(r[0]) {
		n, ok = scanArabic(r, 0)
	} else {
		n, ok = scanChinese(r, 0)
	}
	if !ok || n.end != len(r) {
		return decimal.Decimal{}, false
	}
	return n.value, true
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// scanArabic reads digits with an optional fraction and Chinese multipliers
// at t[i].
func scanArabic(t []rune, i int) (number, bool) {
	j := i
	for j < len(t) && isASCIIDigit(t[j]) {
		j++
	}
	if j == i || j-i > 30 {
		return number{}, false
	}
	if j+1 < len(t) && t[j] == '.' && isASCIIDigit(t[j+1]) {
		j++
		for j < len(t) && isASCIIDigit(t[j]) {
			j++
		}
	}
	v, err := decimal.Parse(string(t[i:j]))
	if err != nil {
		return number{}, false
	}
	n := number{start: i, value: v}
	for j < len(t) {
		p := multiplier(t[j])
		if p < 0 || (t[j] == '千' && startsWithAny(t[j:], unitsWithQian)) {
			break
		}
		if v, err = v.MulPow10(p); err != nil {
			return number{}, false
		}
		n.mult = true
		j++
	}
	n.value, n.end = v, j
	return n, true
}

func startsWithAny(t []rune, words []string) bool {
	for _, w := range words {
		if hasPrefix(t, w) {
			return true
		}
	}
	return false
}

func chineseDigit(r rune) int {
	switch r {
	case '零', '〇':
		return 0
	case '一':
		return 1
	case '二', '两':
		return 2
	case '三':
		return 3
	case '四':
		return 4
	case '五':
		return 5
	case '六':
		return 6
	case '七':
		return 7
	case '八':
		return 8
	case '九':
		return 9
	}
	return -1
}

func isChineseNumeral(r rune) bool { return chineseDigit(r) >= 0 || multiplier(r) >= 0 }

// scanChinese reads Chinese numerals such as 五千亿, 三万, 十二, 一百二十 at
// t[i]. It must start with a digit or 十.
func scanChinese(t []rune, i int) (number, bool) {
	if i >= len(t) || !(chineseDigit(t[i]) > 0 || t[i] == '十') {
		return number{}, false
	}
	var total, section, digit decimal.Decimal
	j := i
	mult := false
	lastDigit := false
	for ; j < len(t) && j-i < 24; j++ {
		r := t[j]
		if d := chineseDigit(r); d >= 0 {
			if lastDigit && d != 0 {
				break // 一二 is not a number
			}
			digit = decimal.Int(int64(d))
			lastDigit = d != 0
			continue
		}
		p := multiplier(r)
		if p < 0 || (r == '千' && startsWithAny(t[j:], unitsWithQian)) {
			break
		}
		mult = true
		lastDigit = false
		switch p {
		case 1, 2, 3:
			if digit.IsZero() && p == 1 {
				digit = decimal.Int(1) // 十 alone is 10
			}
			v, _ := digit.MulPow10(p)
			section = section.Add(v)
			digit = decimal.Decimal{}
		case 4, 8:
			s := section.Add(digit)
			if s.IsZero() && total.IsZero() {
				return number{}, false
			}
			if p == 8 || s.IsZero() {
				// 亿 scales all that came before it; 万亿 scales 万 again.
				all := total.Add(s)
				v, err := all.MulPow10(p)
				if err != nil {
					return number{}, false
				}
				total = v
			} else {
				v, err := s.MulPow10(p)
				if err != nil {
					return number{}, false
				}
				total = total.Add(v)
			}
			section, digit = decimal.Decimal{}, decimal.Decimal{}
		}
	}
	v := total.Add(section).Add(digit)
	if v.IsZero() {
		return number{}, false
	}
	return number{start: i, end: j, value: v, chinese: true, mult: mult}, true
}

// containsRune reports whether s contains r; a readable alias.
func containsRune(s string, r rune) bool { return strings.ContainsRune(s, r) }
