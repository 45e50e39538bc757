package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Iterator yields events in Seq order, in the manner of sql.Rows: Next
// advances and reports whether there is an event, Event returns it, Err
// reports the error that stopped the iteration, if any.
type Iterator interface {
	Next() bool
	Event() Event
	Err() error
}

// Kinds of break, in Break.Kind.
const (
	BreakGap     = "gap"     // an event is missing: the Seq after the last one is not there
	BreakOrder   = "order"   // a Seq does not increase
	BreakContent = "content" // the event does not hash to its Hash
	BreakLink    = "link"    // the event's Prev is not the Hash of the event before
	BreakHead    = "head"    // the head record does not match the last event
	BreakAnchor  = "anchor"  // the chain does not pass through an anchor
)

// Break describes the first broken event of a chain.
type Break struct {
	Seq     int64  `json:"seq"`     // the first event that does not verify
	Kind    string `json:"kind"`    // one of the Break constants
	Message string `json:"message"` // for people, names Seq
}

// ErrBroken is matched (errors.Is) by the error Verify returns for a chain
// that does not verify.
var ErrBroken = errors.New("audit chain broken")

// BreakError is the error Verify returns for a broken chain.
type BreakError struct{ Break Break }

func (e *BreakError) Error() string { return e.Break.Message }

// Is makes errors.Is(err, ErrBroken) true.
func (e *BreakError) Is(target error) bool { return target == ErrBroken }

// Report is what Verify found.
type Report struct {
	Events int64  // events that verified, before the break if any
	Last   Anchor // the last event that verified; zero when none did
	Broken *Break // the first break, nil when the chain verifies
}

// OK reports whether the chain verified.
func (r Report) OK() bool { return r.Broken == nil }

// Options are the outside facts a chain is checked against.
type Options struct {
	// Head, when set, is the chain's head as recorded by Append: the last
	// event must be it.
	Head *Anchor
	// Anchors are points the chain must pass through.
	Anchors []Anchor
}

// Verify walks the events of it in Seq order and checks that they start at
// 1, leave no gap, each hashes to its Hash and each names the Hash of the
// one before as its Prev. It returns a *BreakError (matching ErrBroken)
// naming the first event that fails, or the iterator's or ctx's error.
// It reads it from another goroutine (while it hashes what was read) and
// is done with it when it returns.
func Verify(ctx context.Context, it Iterator) (Report, error) {
	return VerifyWith(ctx, it, Options{})
}

// VerifyWith is Verify that also checks the chain against opt.
func VerifyWith(ctx context.Context, it Iterator, opt Options) (Report, error) {
	anchors := make(map[int64]string, len(opt.Anchors))
	for _, a := range opt.Anchors {
		anchors[a.Seq] = a.Hash
	}
	var r Report
	broken := func(seq int64, kind, format string, args ...any) (Report, error) {
		b := &Break{Seq: seq, Kind: kind, Message: "审计链断裂：" + fmt.Sprintf(format, args...)}
		r.Broken = b
		return r, &BreakError{Break: *b}
	}
	// One goroutine reads (scans rows), this one hashes and checks: on two
	// cores the two overlap.
	batches, finish := readAhead(it)
	defer finish()
	prev := ""
	var last int64
	for b := range batches {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		for _, e := range b.events {
			want := last + 1
			switch {
			case e.Seq < want && last == 0:
				return broken(e.Seq, BreakOrder, "第 %d 条事件的序号无效（序号从 1 开始）", e.Seq)
			case e.Seq < want:
				return broken(e.Seq, BreakOrder, "第 %d 条事件出现在第 %d 条之后（顺序被改动或序号重复）", e.Seq, last)
			case e.Seq > want && want == e.Seq-1:
				return broken(want, BreakGap, "第 %d 条事件缺失（被删除；其后的第 %d 条仍在）", want, e.Seq)
			case e.Seq > want:
				return broken(want, BreakGap, "第 %d 条至第 %d 条事件缺失（被删除；其后的第 %d 条仍在）", want, e.Seq-1, e.Seq)
			}
			if h := HashOf(e.Prev, e); h != e.Hash {
				return broken(e.Seq, BreakContent, "第 %d 条事件的内容与其哈希不符（该事件被改动）", e.Seq)
			}
			if e.Prev != prev {
				if last == 0 {
					return broken(e.Seq, BreakLink, "第 1 条事件记录了前一哈希，但它之前不应有事件（链的开头被删除或替换）")
				}
				return broken(e.Seq, BreakLink, "第 %d 条事件记录的前一哈希与第 %d 条事件的哈希不符（第 %d 条被改动或替换）", e.Seq, last, last)
			}
			if h, ok := anchors[e.Seq]; ok && h != e.Hash {
				return broken(e.Seq, BreakAnchor, "第 %d 条事件与链外保存的锚点不符（链被重写）", e.Seq)
			}
			prev, last = e.Hash, e.Seq
			r.Events++
			r.Last = Anchor{Seq: e.Seq, Hash: e.Hash}
		}
		if b.err != nil {
			return r, fmt.Errorf("audit: read events: %w", b.err)
		}
	}
	for _, a := range opt.Anchors {
		if a.Seq > last {
			return broken(last+1, BreakAnchor, "链外保存的锚点记录了第 %d 条事件，但链只到第 %d 条（最后的事件被删除）", a.Seq, last)
		}
	}
	if h := opt.Head; h != nil {
		switch {
		case h.Seq > last:
			return broken(last+1, BreakHead, "链头记录共 %d 条事件，但只找到 %d 条（第 %d 条起的事件被删除）", h.Seq, last, last+1)
		case h.Seq < last:
			return broken(h.Seq+1, BreakHead, "链头记录共 %d 条事件，但找到 %d 条（第 %d 条起的事件不是经由审计写入的）", h.Seq, last, h.Seq+1)
		case h.Hash != prev:
			return broken(last, BreakHead, "链头记录的哈希与第 %d 条事件不符（该事件被替换）", last)
		}
	}
	return r, nil
}

// batch is events read ahead, and the error that ended the reading (in
// the last batch).
type batch struct {
	events []Event
	err    error
}

// readAhead reads it in another goroutine, in batches. finish stops the
// reading and returns once the goroutine no longer touches it, so that the
// caller may close it.
func readAhead(it Iterator) (<-chan batch, func()) {
	const size = 512
	out := make(chan batch, 4)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(out)
		b := batch{events: make([]Event, 0, size)}
		for it.Next() {
			b.events = append(b.events, it.Event())
			if len(b.events) == size {
				select {
				case out <- b:
				case <-stop:
					return
				}
				b = batch{events: make([]Event, 0, size)}
			}
		}
		b.err = it.Err()
		select {
		case out <- b:
		case <-stop:
		}
	}()
	return out, func() {
		close(stop)
		wg.Wait()
	}
}

// Slice is an Iterator over events held in memory.
type Slice struct {
	events []Event
	i      int
}

// NewSlice returns an Iterator over events, in the order given.
func NewSlice(events []Event) *Slice { return &Slice{events: events, i: -1} }

// Next advances to the next event.
func (s *Slice) Next() bool {
	if s.i+1 >= len(s.events) {
		s.i = len(s.events)
		return false
	}
	s.i++
	return true
}

// Event returns the current event.
func (s *Slice) Event() Event { return s.events[s.i] }

// Err is always nil.
func (s *Slice) Err() error { return nil }
