// Package decimal implements exact decimal numbers for the values of targets
// and progress: an arbitrary-precision integer coefficient scaled by a power
// of ten, so that 1.4万亿 is exactly 1400000000000 and never 1.3999….
package decimal

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Decimal is the exact number coef × 10^-scale. The zero value is 0.
// A Decimal is immutable: every operation returns a new value.
type Decimal struct {
	coef  *big.Int // nil means 0
	scale int32    // digits after the decimal point, >= 0
}

var bigTen = big.NewInt(10)

// maxScale bounds the digits after the point and maxDigits the size of a
// value, so that hostile input cannot make a number of unbounded size.
const (
	maxScale  = 64
	maxDigits = 128
)

// ErrSyntax is returned (wrapped) by Parse for text that is not a decimal.
var ErrSyntax = errors.New("not a decimal number")

// ErrRange is returned (wrapped) when a value would exceed the size limits.
var ErrRange = errors.New("decimal out of range")

// New returns coef × 10^-scale. A negative scale multiplies by a power of ten.
func New(coef int64, scale int) Decimal {
	d := Decimal{coef: big.NewInt(coef)}
	if scale < 0 {
		d.coef.Mul(d.coef, pow10(-scale))
	} else {
		d.scale = int32(scale)
	}
	return d.norm()
}

// Int returns the integer n as a Decimal.
func Int(n int64) Decimal { return New(n, 0) }

// Parse reads an optionally signed decimal such as "12", "-0.5" or "1.40".
// It accepts ASCII digits only; the extract package handles full-width forms
// and Chinese numerals before calling it.
func Parse(s string) (Decimal, error) {
	orig := s
	neg := false
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && frac == "" || hasDot && frac == "" && intPart == "" {
		return Decimal{}, fmt.Errorf("%q: %w", orig, ErrSyntax)
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return Decimal{}, fmt.Errorf("%q: %w", orig, ErrSyntax)
			}
		}
	}
	if len(intPart)+len(frac) > maxDigits || len(frac) > maxScale {
		return Decimal{}, fmt.Errorf("%q: %w", orig, ErrRange)
	}
	c, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return Decimal{}, fmt.Errorf("%q: %w", orig, ErrSyntax)
	}
	if neg {
		c.Neg(c)
	}
	return Decimal{coef: c, scale: int32(len(frac))}.norm(), nil
}

// MustParse is Parse for constants known to be valid; it panics otherwise.
func MustParse(s string) Decimal {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

func pow10(n int) *big.Int { return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil) }

func (d Decimal) c() *big.Int {
	if d.coef == nil {
		return new(big.Int)
	}
	return d.coef
}

// norm drops trailing zeros after the point.
func (d Decimal) norm() Decimal {
	c := new(big.Int).Set(d.c())
	s := d.scale
	if c.Sign() == 0 {
		return Decimal{coef: c}
	}
	r := new(big.Int)
	for s > 0 {
		q, m := new(big.Int).QuoRem(c, bigTen, r)
		if m.Sign() != 0 {
			break
		}
		c = q
		s--
	}
	return Decimal{coef: c, scale: s}
}

// align returns the coefficients of a and b at a common scale.
func align(a, b Decimal) (*big.Int, *big.Int, int32) {
	ac, bc := new(big.Int).Set(a.c()), new(big.Int).Set(b.c())
	switch {
	case a.scale < b.scale:
		ac.Mul(ac, pow10(int(b.scale-a.scale)))
		return ac, bc, b.scale
	case b.scale < a.scale:
		bc.Mul(bc, pow10(int(a.scale-b.scale)))
		return ac, bc, a.scale
	}
	return ac, bc, a.scale
}

// Add returns d + e.
func (d Decimal) Add(e Decimal) Decimal {
	a, b, s := align(d, e)
	return Decimal{coef: a.Add(a, b), scale: s}.norm()
}

// Sub returns d − e.
func (d Decimal) Sub(e Decimal) Decimal {
	a, b, s := align(d, e)
	return Decimal{coef: a.Sub(a, b), scale: s}.norm()
}

// Mul returns d × e.
func (d Decimal) Mul(e Decimal) Decimal {
	c := new(big.Int).Mul(d.c(), e.c())
	return Decimal{coef: c, scale: d.scale + e.scale}.norm()
}

// MulPow10 returns d × 10^n for n >= 0, or an error wrapping ErrRange when
// the result would have more than the allowed number of digits.
func (d Decimal) MulPow10(n int) (Decimal, error) {
	if n < 0 {
		return Decimal{}, fmt.Errorf("negative power %d: %w", n, ErrRange)
	}
	s := int(d.scale)
	if n <= s {
		return Decimal{coef: new(big.Int).Set(d.c()), scale: int32(s - n)}.norm(), nil
	}
	if len(d.c().String())+n-s > maxDigits {
		return Decimal{}, fmt.Errorf("%s×10^%d: %w", d, n, ErrRange)
	}
	c := new(big.Int).Mul(d.c(), pow10(n-s))
	return Decimal{coef: c}.norm(), nil
}

// Cmp compares d and e and returns -1, 0 or +1.
func (d Decimal) Cmp(e Decimal) int {
	a, b, _ := align(d, e)
	return a.Cmp(b)
}

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int { return d.c().Sign() }

// IsZero reports whether d is 0.
func (d Decimal) IsZero() bool { return d.Sign() == 0 }

// Digits returns the number of digits of the coefficient, a measure of size.
func (d Decimal) Digits() int { return len(new(big.Int).Abs(d.c()).String()) }

// Quo returns d ÷ e rounded half away from zero to prec digits after the
// point. It panics if e is zero, like integer division.
func (d Decimal) Quo(e Decimal, prec int) Decimal {
	if e.IsZero() {
		panic("decimal: division by zero")
	}
	// d/e = (dc/10^ds) / (ec/10^es) = dc*10^(es+prec) / (ec*10^ds) / 10^prec
	num := new(big.Int).Mul(d.c(), pow10(int(e.scale)+prec))
	den := new(big.Int).Mul(e.c(), pow10(int(d.scale)))
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	// round half away from zero
	r2 := new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2))
	if r2.Cmp(new(big.Int).Abs(den)) >= 0 {
		if num.Sign()*den.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return Decimal{coef: q, scale: int32(prec)}.norm()
}

// Float64 returns the nearest float64, for display and statistics only.
func (d Decimal) Float64() float64 {
	f, _ := new(big.Rat).SetFrac(d.c(), pow10(int(d.scale))).Float64()
	return f
}

// String returns the plain decimal text: "1400000000000", "5.5", "-0.25".
func (d Decimal) String() string {
	c := d.c()
	neg := c.Sign() < 0
	digits := new(big.Int).Abs(c).String()
	if d.scale > 0 {
		s := int(d.scale)
		if len(digits) <= s {
			digits = strings.Repeat("0", s-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-s] + "." + digits[len(digits)-s:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// MarshalJSON writes d as a JSON number with every digit exact.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON reads a JSON number or a string holding a decimal.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" {
		*d = Decimal{}
		return nil
	}
	// Accept exponent notation as JSON allows it.
	if strings.ContainsAny(s, "eE") {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return fmt.Errorf("%q: %w", s, ErrSyntax)
		}
		v, err := fromRat(r)
		if err != nil {
			return err
		}
		*d = v
		return nil
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func fromRat(r *big.Rat) (Decimal, error) {
	for scale := 0; scale <= maxScale; scale++ {
		n := new(big.Int).Mul(r.Num(), pow10(scale))
		q, m := new(big.Int).QuoRem(n, r.Denom(), new(big.Int))
		if m.Sign() == 0 {
			if len(q.String()) > maxDigits {
				break
			}
			return Decimal{coef: q, scale: int32(scale)}.norm(), nil
		}
	}
	return Decimal{}, fmt.Errorf("%s: %w", r.String(), ErrRange)
}

// MarshalText and UnmarshalText let a Decimal sit in text formats and as a
// database value through its string form.
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses the form MarshalText writes.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
