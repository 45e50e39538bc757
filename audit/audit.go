// Package audit keeps the tamper-evident audit trail (审计链): every write
// to the store appends an Event — who, when, from where, what, before and
// after — and each event's Hash covers the previous event's Hash, so that
// changing, deleting or reordering any stored event breaks the chain from
// that event on. The hash is SM3 (GM/T 0004-2012, GB/T 32905-2016).
//
// # Canonical encoding
//
// An event is hashed as
//
//	Hash = hex(SM3(Encode(prev, e)))
//
// where Encode writes the ASCII tag "luoshi-audit-v1" and then, in this
// order, the fields prev (the previous event's Hash as lowercase hex, "" for
// the first event), Seq, At, Actor, Address, Action, Object, Unit, Before and
// After. Every field is written as a 4-byte big-endian length followed by its
// bytes: Seq as 8 bytes big-endian two's complement, At as 8 bytes big-endian
// microseconds since the Unix epoch (UTC), strings as their UTF-8 bytes,
// Before and After as their JSON bytes exactly as stored (empty when absent).
// The length prefixes make the encoding injective: no two different events
// encode to the same bytes. Prev and Hash themselves are not fields of the
// encoding (prev enters as its first field).
//
// # What the chain proves, and what it does not
//
// Anyone who can write to the database can also recompute every hash after
// the event they altered. The chain makes such a rewrite evident against any
// copy of a later Hash kept elsewhere (a backup, a printed bulletin, an
// exported Head): Verify with an Anchor checks that the chain still passes
// through it. Deleting the newest events is caught by the head row (see
// Append) unless it is rewritten too, and always by an Anchor.
//
// # How the store uses it
//
// A migration of each backend includes Schema(dialect) (tables audit_events
// and audit_head). Every write builds its event with Change(ctx, now,
// action, object, unit, before, after) — the web layer puts the account and
// client address in the context with WithWho — and calls Append with the
// write's own *sql.Tx, so that the write and its event commit or roll back
// together (a savepoint rolled back takes its event with it). Log lists
// events for the web (Query.Units scoped like every other query) and
// verifies the chain; `luoshi audit verify --db DSN` runs Log.Verify, and
// `luoshi audit head` prints the Anchor to keep outside the database.
package audit

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Event is one recorded write.
type Event struct {
	Seq     int64           `json:"seq"`               // position in the chain, from 1, no gaps
	At      time.Time       `json:"at"`                // when, to the microsecond, UTC
	Actor   string          `json:"actor"`             // account name, "token:…" for an API token, "system"
	Address string          `json:"address,omitempty"` // client address the write came from
	Action  string          `json:"action"`            // what was done: "plan.import", "progress.report", "account.password" …
	Object  string          `json:"object"`            // what it was done to: "plan:12", "target:345" …
	Unit    string          `json:"unit,omitempty"`    // code of the unit the object belongs to, "" for none
	Before  json.RawMessage `json:"before,omitempty"`  // state before the write, absent for a creation
	After   json.RawMessage `json:"after,omitempty"`   // state after the write, absent for a deletion
	Prev    string          `json:"prev"`              // Hash of the event before, "" for the first
	Hash    string          `json:"hash"`              // hex(SM3(Encode(Prev, event)))
}

// tag starts every encoding; a new encoding gets a new tag.
const tag = "luoshi-audit-v1"

// Encode returns the canonical encoding of e chained to prev (see the
// package documentation). e.Prev and e.Hash are ignored.
func Encode(prev string, e Event) []byte {
	n := len(tag) + 4*11 + len(prev) + 16 + len(e.Actor) + len(e.Address) + len(e.Action) +
		len(e.Object) + len(e.Unit) + len(e.Before) + len(e.After)
	b := make([]byte, 0, n)
	b = append(b, tag...)
	b = appendField(b, []byte(prev))
	b = binary.BigEndian.AppendUint32(b, 8)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint32(b, 8)
	b = binary.BigEndian.AppendUint64(b, uint64(micros(e.At)))
	for _, s := range [...]string{e.Actor, e.Address, e.Action, e.Object, e.Unit} {
		b = appendField(b, []byte(s))
	}
	b = appendField(b, e.Before)
	b = appendField(b, e.After)
	return b
}

func appendField(b, f []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
	return append(b, f...)
}

// micros is t as microseconds since the Unix epoch; the zero time is 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// HashOf returns hex(SM3(Encode(prev, e))).
func HashOf(prev string, e Event) string {
	sum := sm3.Sum(Encode(prev, e))
	return hex.EncodeToString(sum[:])
}

// Seal returns e chained after prev: At truncated to the microsecond in UTC,
// Prev set to prev and Hash computed.
func Seal(prev string, e Event) Event {
	if !e.At.IsZero() {
		e.At = time.UnixMicro(e.At.UnixMicro()).UTC()
	}
	e.Prev = prev
	e.Hash = HashOf(prev, e)
	return e
}

// Anchor is a point of the chain recorded outside the database (a Head
// printed, exported or kept with a backup) that a later Verify must still
// find.
type Anchor struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// String formats a as "seq:hash", the form ParseAnchor reads.
func (a Anchor) String() string { return fmt.Sprintf("%d:%s", a.Seq, a.Hash) }

// ParseAnchor reads an anchor written as "seq:hash".
func ParseAnchor(s string) (Anchor, error) {
	var a Anchor
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			if _, err := fmt.Sscanf(s[:i], "%d", &a.Seq); err != nil || a.Seq < 1 {
				return Anchor{}, fmt.Errorf("审计锚点 %q 的序号无效", s)
			}
			a.Hash = s[i+1:]
			if !isHash(a.Hash) {
				return Anchor{}, fmt.Errorf("审计锚点 %q 的哈希无效", s)
			}
			return a, nil
		}
	}
	return Anchor{}, fmt.Errorf("审计锚点 %q 应写作 序号:哈希", s)
}

// isHash reports whether s is 64 lowercase hex digits.
func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
