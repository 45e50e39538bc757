package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

var t0 = time.Date(2025, 3, 1, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))

func sample(i int) Event {
	return Event{
		At:      t0.Add(time.Duration(i) * time.Minute),
		Actor:   "dcs-admin",
		Address: "10.1.2.3",
		Action:  "progress.report",
		Object:  fmt.Sprintf("target:%d", i),
		Unit:    "510700",
		Before:  json.RawMessage(fmt.Sprintf(`{"value":"%d.5"}`, i)),
		After:   json.RawMessage(fmt.Sprintf(`{"value":"%d.75","note":"绵阳市"}`, i)),
	}
}

func chain(n int) []Event {
	out := make([]Event, n)
	prev := ""
	for i := range out {
		e := sample(i)
		e.Seq = int64(i + 1)
		out[i] = Seal(prev, e)
		prev = out[i].Hash
	}
	return out
}

func TestSM3KnownAnswer(t *testing.T) {
	// GB/T 32905-2016 appendix A, example 1.
	sum := sm3.Sum([]byte("abc"))
	if got, want := hex.EncodeToString(sum[:]), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"; got != want {
		t.Fatalf("SM3(abc) = %s, want %s", got, want)
	}
}

func TestEncodeLayout(t *testing.T) {
	e := Event{Seq: 1, At: time.UnixMicro(2), Actor: "a", Action: "x", Before: json.RawMessage(`{}`)}
	got := Encode("p", e)
	var want bytes.Buffer
	want.WriteString("luoshi-audit-v1")
	want.Write([]byte{0, 0, 0, 1, 'p'})
	want.Write([]byte{0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1})
	want.Write([]byte{0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 2})
	want.Write([]byte{0, 0, 0, 1, 'a'})      // actor
	want.Write([]byte{0, 0, 0, 0})           // address
	want.Write([]byte{0, 0, 0, 1, 'x'})      // action
	want.Write([]byte{0, 0, 0, 0})           // object
	want.Write([]byte{0, 0, 0, 0})           // unit
	want.Write([]byte{0, 0, 0, 2, '{', '}'}) // before
	want.Write([]byte{0, 0, 0, 0})           // after
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("Encode =\n%x\nwant\n%x", got, want.Bytes())
	}
}

func TestEncodeInjective(t *testing.T) {
	base := sample(1)
	variants := map[string]func(*Event){
		"shift actor/address": func(e *Event) { e.Actor, e.Address = "dcs-admin1", "0.1.2.3" },
		"shift object/unit":   func(e *Event) { e.Object, e.Unit = "target:1510700", "" },
		"before/after swap":   func(e *Event) { e.Before, e.After = e.After, e.Before },
		"empty before":        func(e *Event) { e.Before = nil },
		"seq":                 func(e *Event) { e.Seq = 2 },
		"one microsecond":     func(e *Event) { e.At = e.At.Add(time.Microsecond) },
		"unit":                func(e *Event) { e.Unit = "510701" },
		"action":              func(e *Event) { e.Action = "progress.approve" },
	}
	h := HashOf("", base)
	for name, f := range variants {
		e := base
		f(&e)
		if HashOf("", e) == h {
			t.Errorf("%s: same hash as the original", name)
		}
	}
	if HashOf("x", base) == h {
		t.Error("prev does not enter the hash")
	}
}

func TestSealDeterministic(t *testing.T) {
	e := sample(3)
	a, b := Seal("", e), Seal("", e)
	if a.Hash != b.Hash || !isHash(a.Hash) {
		t.Fatalf("Seal not deterministic or not hex: %q %q", a.Hash, b.Hash)
	}
	// Time zone and sub-microsecond digits do not matter once sealed.
	e2 := e
	e2.At = e.At.UTC().Truncate(time.Microsecond)
	if Seal("", e2).Hash != a.Hash {
		t.Fatal("hash depends on the time zone or on nanoseconds")
	}
	if a.At.Location() != time.UTC || a.At.Nanosecond()%1000 != 0 {
		t.Fatalf("sealed At = %v, want UTC to the microsecond", a.At)
	}
}

// TestGoldenHash pins the hash of one event, so that any change to the
// encoding (which would break every stored chain) fails here.
func TestGoldenHash(t *testing.T) {
	e := Event{Seq: 1, At: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "admin", Address: "127.0.0.1",
		Action: "plan.import", Object: "plan:1", Unit: "510000", After: json.RawMessage(`{"title":"2025年四川省政府工作报告"}`)}
	got := Seal("", e).Hash
	sum := sm3.Sum(Encode("", e))
	if got != hex.EncodeToString(sum[:]) {
		t.Fatal("Seal does not hash Encode")
	}
	const want = "1d7478413e0a762b5fc6006ff5402456d2f1fa9b89f67fc32f2e498fde60dcfa"
	if got != want {
		t.Fatalf("hash = %s, want %s", got, want)
	}
}

func TestVerifySlice(t *testing.T) {
	ctx := context.Background()
	good := chain(10)
	r, err := Verify(ctx, NewSlice(good))
	if err != nil || !r.OK() || r.Events != 10 || r.Last.Seq != 10 || r.Last.Hash != good[9].Hash {
		t.Fatalf("good chain: %+v, %v", r, err)
	}
	if r, err := Verify(ctx, NewSlice(nil)); err != nil || r.Events != 0 {
		t.Fatalf("empty chain: %+v, %v", r, err)
	}

	cp := func() []Event { return append([]Event(nil), good...) }
	cases := []struct {
		name   string
		tamper func() []Event
		seq    int64
		kind   string
	}{
		{"edit field", func() []Event { c := cp(); c[4].Actor = "someone-else"; return c }, 5, BreakContent},
		{"edit after", func() []Event { c := cp(); c[6].After = json.RawMessage(`{"value":"99"}`); return c }, 7, BreakContent},
		{"edit time", func() []Event { c := cp(); c[2].At = c[2].At.Add(time.Second); return c }, 3, BreakContent},
		{"edit hash", func() []Event { c := cp(); c[3].Hash = strings.Repeat("0", 64); return c }, 4, BreakContent},
		{"edit and rehash", func() []Event { c := cp(); c[3].Unit = "510100"; c[3] = Seal(c[3].Prev, c[3]); return c }, 5, BreakLink},
		{"delete middle", func() []Event { c := cp(); return append(c[:5], c[6:]...) }, 6, BreakGap},
		{"delete two", func() []Event { c := cp(); return append(c[:5], c[7:]...) }, 6, BreakGap},
		{"delete first", func() []Event { return cp()[1:] }, 1, BreakGap},
		{"delete and renumber", func() []Event {
			c := cp()
			c = append(c[:5], c[6:]...)
			for i := 5; i < len(c); i++ {
				c[i].Seq--
			}
			return c
		}, 6, BreakContent},
		{"swap seq", func() []Event {
			c := cp()
			c[2].Seq, c[7].Seq = c[7].Seq, c[2].Seq
			c[2], c[7] = c[7], c[2] // as read back ORDER BY seq
			return c
		}, 3, BreakContent},
		// A stream out of Seq order (SQL reads ORDER BY seq, so only a broken
		// iterator does this) breaks where the expected Seq is not next.
		{"reorder rows", func() []Event { c := cp(); c[2], c[3] = c[3], c[2]; return c }, 3, BreakGap},
		{"duplicate", func() []Event { c := cp(); return append(c[:4], append([]Event{c[3]}, c[4:]...)...) }, 4, BreakOrder},
		{"replace first", func() []Event {
			c := cp()
			e := sample(0)
			e.Seq = 1
			c[0] = Seal("forged", e)
			return c
		}, 1, BreakLink},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Verify(ctx, NewSlice(tc.tamper()))
			var be *BreakError
			if !errors.As(err, &be) || !errors.Is(err, ErrBroken) {
				t.Fatalf("Verify = %+v, %v; want a break", r, err)
			}
			if be.Break.Seq != tc.seq || be.Break.Kind != tc.kind || r.Broken == nil || r.Broken.Seq != tc.seq {
				t.Fatalf("break = %+v, want seq %d kind %s", be.Break, tc.seq, tc.kind)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("第 %d 条", tc.seq)) {
				t.Fatalf("message %q does not name event %d", err, tc.seq)
			}
			if r.Events != tc.seq-1 && tc.kind != BreakOrder {
				t.Fatalf("verified %d events before the break at %d", r.Events, tc.seq)
			}
		})
	}
}

func TestVerifyHeadAndAnchors(t *testing.T) {
	ctx := context.Background()
	c := chain(10)
	head := Anchor{Seq: 10, Hash: c[9].Hash}
	if _, err := VerifyWith(ctx, NewSlice(c), Options{Head: &head, Anchors: []Anchor{{5, c[4].Hash}}}); err != nil {
		t.Fatalf("good chain with head and anchor: %v", err)
	}
	cases := []struct {
		name string
		ev   []Event
		opt  Options
		seq  int64
		kind string
	}{
		{"tail deleted", c[:8], Options{Head: &head}, 9, BreakHead},
		{"tail deleted past anchor", c[:8], Options{Anchors: []Anchor{{9, c[8].Hash}}}, 9, BreakAnchor},
		{"rows inserted beyond head", c, Options{Head: &Anchor{Seq: 8, Hash: c[7].Hash}}, 9, BreakHead},
		{"head hash differs", c, Options{Head: &Anchor{Seq: 10, Hash: c[8].Hash}}, 10, BreakHead},
		{"rewritten chain", rewrite(c, 3), Options{Anchors: []Anchor{{6, c[5].Hash}}}, 6, BreakAnchor},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyWith(ctx, NewSlice(tc.ev), tc.opt)
			var be *BreakError
			if !errors.As(err, &be) || be.Break.Seq != tc.seq || be.Break.Kind != tc.kind {
				t.Fatalf("err = %v (%+v), want break at %d (%s)", err, be, tc.seq, tc.kind)
			}
		})
	}
}

// rewrite alters event seq and recomputes every hash after it, as someone
// with write access to the database could.
func rewrite(c []Event, seq int64) []Event {
	out := append([]Event(nil), c...)
	out[seq-1].Object = "forged"
	prev := out[seq-1].Prev
	for i := seq - 1; i < int64(len(out)); i++ {
		out[i] = Seal(prev, out[i])
		prev = out[i].Hash
	}
	return out
}

func TestVerifyCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Verify(ctx, NewSlice(chain(5000))); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestAnchorString(t *testing.T) {
	c := chain(2)
	a := Anchor{Seq: 2, Hash: c[1].Hash}
	b, err := ParseAnchor(a.String())
	if err != nil || b != a {
		t.Fatalf("ParseAnchor(%q) = %+v, %v", a.String(), b, err)
	}
	for _, bad := range []string{"", "2", "x:" + c[1].Hash, "0:" + c[1].Hash, "2:abc", "2:" + strings.ToUpper(c[1].Hash), "-1:" + c[1].Hash} {
		if _, err := ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
}

func TestCleanHostile(t *testing.T) {
	ok := sample(1)
	cases := []struct {
		name  string
		f     func(*Event)
		valid bool
	}{
		{"ok", func(*Event) {}, true},
		{"no time", func(e *Event) { e.At = time.Time{} }, false},
		{"no action", func(e *Event) { e.Action = "" }, false},
		{"NUL in actor", func(e *Event) { e.Actor = "a\x00b" }, true},
		{"bad UTF-8 object", func(e *Event) { e.Object = "\xff\xfe" }, true},
		{"huge field", func(e *Event) { e.Object = strings.Repeat("长", MaxField) }, false},
		{"not JSON", func(e *Event) { e.After = json.RawMessage(`{"a":`) }, false},
		{"JSON with bad UTF-8", func(e *Event) { e.After = json.RawMessage("\"\xff\"") }, false},
		{"huge state", func(e *Event) { e.After = json.RawMessage(`"` + strings.Repeat("a", MaxState) + `"`) }, false},
		{"spaced JSON", func(e *Event) { e.After = json.RawMessage(" { \"a\" : 1 } ") }, true},
	}
	for _, tc := range cases {
		e := ok
		tc.f(&e)
		got, err := clean(e)
		if (err == nil) != tc.valid {
			t.Errorf("%s: err = %v, valid %v", tc.name, err, tc.valid)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: %v is not ErrInvalid", tc.name, err)
			}
			continue
		}
		for _, s := range []string{got.Actor, got.Object} {
			if strings.IndexByte(s, 0) >= 0 || !strings.EqualFold(s, strings.ToValidUTF8(s, "?")) {
				t.Errorf("%s: field %q not cleaned", tc.name, s)
			}
		}
		if tc.name == "spaced JSON" && string(got.After) != `{"a":1}` {
			t.Errorf("JSON not compacted: %s", got.After)
		}
	}
}

// FuzzTamper changes one field of one event of a chain to any other value
// and checks that Verify breaks at exactly that event.
func FuzzTamper(f *testing.F) {
	f.Add(uint8(2), uint8(0), "intruder")
	f.Add(uint8(0), uint8(5), "")
	f.Add(uint8(4), uint8(8), "\x00")
	f.Add(uint8(1), uint8(7), `{"value":"1.75"}`)
	f.Fuzz(func(t *testing.T, idx, field uint8, v string) {
		c := chain(5)
		i := int(idx) % len(c)
		e := &c[i]
		fields := []*string{&e.Actor, &e.Address, &e.Action, &e.Object, &e.Unit, &e.Prev, &e.Hash}
		switch k := int(field) % (len(fields) + 2); {
		case k < len(fields):
			if *fields[k] == v {
				t.Skip()
			}
			*fields[k] = v
		case k == len(fields):
			if string(e.Before) == v {
				t.Skip()
			}
			e.Before = json.RawMessage(v)
		default:
			if string(e.After) == v {
				t.Skip()
			}
			e.After = json.RawMessage(v)
		}
		_, err := Verify(context.Background(), NewSlice(c))
		var be *BreakError
		if !errors.As(err, &be) || be.Break.Seq != int64(i+1) || be.Break.Kind != BreakContent {
			t.Fatalf("changed event %d: Verify = %v", i+1, err)
		}
	})
}
