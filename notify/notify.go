// Package notify delivers messages such as reminders (催办) over channels:
// e-mail over SMTP (Mail), a signed HTTP webhook that IM bots and other
// systems can receive (Webhook), and the application's own inbox (App,
// over an Inbox the store implements).
//
// Channels take their configuration when they are made; the package has no
// global state. Deliver sends one message on several channels and returns
// a Delivery record per channel, for the caller to store.
package notify

import (
	"context"
	"errors"
	"time"
)

// Message is one notification.
type Message struct {
	Key     string   `json:"key"` // idempotency key, e.g. a reminder's key
	To      []string `json:"-"`   // recipients of channels that address people, e.g. e-mail addresses
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	// Optional context for receivers that route or display messages.
	Unit   string    `json:"unit,omitempty"`
	Period string    `json:"period,omitempty"`
	Kind   string    `json:"kind,omitempty"`
	Level  string    `json:"level,omitempty"`
	At     time.Time `json:"at"`
}

// Channel sends messages one way.
type Channel interface {
	// Name names the channel in delivery records: "mail", "webhook", "app".
	Name() string
	Send(ctx context.Context, m Message) error
}

// Inbox is the in-application channel: it keeps a message for the users of
// the message's unit (or of the level it names) to read in the web app.
// The store implements it; posting a key twice must keep one message.
type Inbox interface {
	Post(ctx context.Context, m Message) error
}

// App is the Channel that posts to an Inbox.
type App struct {
	Inbox Inbox
}

// Name returns "app".
func (App) Name() string { return "app" }

// Send posts m to the inbox.
func (a App) Send(ctx context.Context, m Message) error {
	if a.Inbox == nil {
		return errors.New("notify: app channel without an inbox")
	}
	return a.Inbox.Post(ctx, m)
}

// Delivery records one attempt to send a message on a channel.
type Delivery struct {
	Key     string    `json:"key"`
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
	Err     string    `json:"error,omitempty"` // empty if it was sent
}

// OK reports whether the message was sent.
func (d Delivery) OK() bool { return d.Err == "" }

// Deliver sends m on every channel, one after the other, and returns what
// happened on each; a failing channel does not stop the others. now stamps
// the records (time.Now if nil).
func Deliver(ctx context.Context, m Message, now func() time.Time, chans ...Channel) []Delivery {
	if now == nil {
		now = time.Now
	}
	ds := make([]Delivery, 0, len(chans))
	for _, c := range chans {
		d := Delivery{Key: m.Key, Channel: c.Name()}
		if err := c.Send(ctx, m); err != nil {
			d.Err = err.Error()
		}
		d.At = now()
		ds = append(ds, d)
	}
	return ds
}
