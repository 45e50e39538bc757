package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Who is the actor of a write and the address it came from, carried in the
// context from the web layer (or a command) down to the store, which
// records it in the write's Event.
type Who struct {
	Actor   string // account name, "token:…", or "system" for the program itself
	Address string // client address; "" for a command run locally
}

type whoKey struct{}

// WithWho returns ctx carrying w.
func WithWho(ctx context.Context, w Who) context.Context {
	return context.WithValue(ctx, whoKey{}, w)
}

// WhoFrom returns the Who ctx carries, and false when it carries none (the
// store should then refuse the write, or record Actor "system" if the write
// is the program's own).
func WhoFrom(ctx context.Context) (Who, bool) {
	w, ok := ctx.Value(whoKey{}).(Who)
	return w, ok
}

// Change builds the event for a write: who from ctx ("system" when none),
// at the time given, the action, the object and its unit, and the states
// before and after marshaled to JSON (nil for none: a creation has no
// before, a deletion no after).
func Change(ctx context.Context, at time.Time, action, object, unit string, before, after any) (Event, error) {
	w, ok := WhoFrom(ctx)
	if !ok {
		w = Who{Actor: "system"}
	}
	e := Event{At: at, Actor: w.Actor, Address: w.Address, Action: action, Object: object, Unit: unit}
	var err error
	if e.Before, err = state(before); err != nil {
		return Event{}, fmt.Errorf("audit: %s %s: before: %w", action, object, err)
	}
	if e.After, err = state(after); err != nil {
		return Event{}, fmt.Errorf("audit: %s %s: after: %w", action, object, err)
	}
	return e, nil
}

func state(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	if r, ok := v.(json.RawMessage); ok {
		return r, nil
	}
	return json.Marshal(v)
}
