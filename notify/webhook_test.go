package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var secret = []byte("shared-secret")

// receiver is a webhook receiver that verifies signatures as a real one
// would, and records what it accepted.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	keys   []string
	status int
	reply  string
	delay  time.Duration
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rc.delay > 0 {
		select {
		case <-time.After(rc.delay):
		case <-r.Context().Done():
			return
		}
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if err := Verify(secret, r.Header.Get(SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, body)
	rc.keys = append(rc.keys, r.Header.Get(DeliveryHeader))
	status, reply := rc.status, rc.reply
	rc.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
	}
	io.WriteString(w, reply)
}

// accepted returns the bodies and delivery keys accepted so far.
func (rc *receiver) accepted() ([][]byte, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...), append([]string(nil), rc.keys...)
}

func (rc *receiver) setReply(s string) {
	rc.mu.Lock()
	rc.reply = s
	rc.mu.Unlock()
}

func newReceiver(t *testing.T, rc *receiver) string {
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestWebhookJSON(t *testing.T) {
	rc := &receiver{}
	wh, err := NewWebhook(WebhookConfig{URL: newReceiver(t, rc), Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage()
	msg.Unit, msg.Period, msg.Kind, msg.Level = "510700", "2025-03", "overdue", "reporter"
	if err := wh.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	bodies, keys := rc.accepted()
	if len(bodies) != 1 || keys[0] != msg.Key {
		t.Fatalf("receiver got %d bodies, keys %v", len(bodies), keys)
	}
	var got map[string]any
	if err := json.Unmarshal(bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"key": msg.Key, "subject": msg.Subject, "text": msg.Text,
		"unit": "510700", "period": "2025-03", "kind": "overdue", "level": "reporter"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %q", k, got[k], want)
		}
	}
	if _, leaked := got["To"]; leaked {
		t.Error("recipients leaked into the payload")
	}
}

func TestWebhookText(t *testing.T) {
	rc := &receiver{reply: `{"errcode":0,"errmsg":"ok"}`}
	wh, err := NewWebhook(WebhookConfig{URL: newReceiver(t, rc), Secret: secret, Format: FormatText})
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage()
	if err := wh.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var got struct {
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	bodies, _ := rc.accepted()
	if err := json.Unmarshal(bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.MsgType != "text" || got.Text.Content != msg.Subject+"\n"+msg.Text {
		t.Errorf("payload = %+v", got)
	}
	// A robot that answers 200 with an error code failed.
	rc.setReply(`{"errcode":93000,"errmsg":"invalid webhook url"}`)
	err = wh.Send(context.Background(), msg)
	var se *StatusError
	if !errors.As(err, &se) || !strings.Contains(se.Body, "93000") {
		t.Errorf("errcode reply: %v", err)
	}
}

func TestWebhookFailures(t *testing.T) {
	ctx := context.Background()
	for _, code := range []int{http.StatusInternalServerError, http.StatusNotFound, http.StatusMultipleChoices} {
		rc := &receiver{status: code, reply: "boom"}
		wh, _ := NewWebhook(WebhookConfig{URL: newReceiver(t, rc), Secret: secret})
		err := wh.Send(ctx, testMessage())
		var se *StatusError
		if !errors.As(err, &se) || se.Code != code || se.Body != "boom" {
			t.Errorf("status %d: %v", code, err)
		}
	}
	// A receiver with another secret refuses the signature.
	rc := &receiver{}
	wh, _ := NewWebhook(WebhookConfig{URL: newReceiver(t, rc), Secret: []byte("other")})
	var se *StatusError
	if err := wh.Send(ctx, testMessage()); !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Errorf("wrong secret: %v", err)
	}
	// A clock far off makes a stale signature.
	wh, _ = NewWebhook(WebhookConfig{URL: newReceiver(t, rc), Secret: secret,
		Now: func() time.Time { return time.Now().Add(-time.Hour) }})
	if err := wh.Send(ctx, testMessage()); !errors.As(err, &se) || !strings.Contains(se.Body, "tolerance") {
		t.Errorf("stale signature: %v", err)
	}
	// A slow receiver times out.
	slow := &receiver{delay: 2 * time.Second}
	wh, _ = NewWebhook(WebhookConfig{URL: newReceiver(t, slow), Secret: secret, Timeout: 100 * time.Millisecond})
	start := time.Now()
	if err := wh.Send(ctx, testMessage()); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow receiver: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("timeout took %v", d)
	}
	b1, _ := rc.accepted()
	b2, _ := slow.accepted()
	if len(b1)+len(b2) != 0 {
		t.Errorf("receivers accepted %d bodies", len(b1)+len(b2))
	}
}

func TestNewWebhookChecks(t *testing.T) {
	bad := []WebhookConfig{
		{URL: "ftp://example.com/hook", Secret: secret},
		{URL: "not a url", Secret: secret},
		{URL: "https://example.com/hook"},
		{URL: "https://example.com/hook", Secret: secret, Format: "xml"},
	}
	for _, c := range bad {
		if _, err := NewWebhook(c); err == nil {
			t.Errorf("NewWebhook(%+v) accepted", c)
		}
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1743901200, 0)
	body := []byte(`{"key":"k","text":"催办"}`)
	h := Sign(secret, now, body)
	if !strings.HasPrefix(h, "t=1743901200,v1=") || len(h) != len("t=1743901200,v1=")+64 {
		t.Errorf("header = %q", h)
	}
	if err := Verify(secret, h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("valid: %v", err)
	}
	// A rotated secret: the receiver accepts either signature.
	rotated := h + ",v1=" + mac([]byte("new"), "1743901200", body)
	if err := Verify([]byte("new"), rotated, body, now, time.Minute); err != nil {
		t.Errorf("rotated: %v", err)
	}
	cases := map[string]struct {
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		"tampered body":   {secret, h, []byte(`{"key":"k","text":"改"}`), now, ErrBadSignature},
		"other secret":    {[]byte("x"), h, body, now, ErrBadSignature},
		"too old":         {secret, h, body, now.Add(6 * time.Minute), ErrStale},
		"from the future": {secret, h, body, now.Add(-6 * time.Minute), ErrStale},
		"changed time":    {secret, strings.Replace(h, "t=1743901200", "t=1743901201", 1), body, now, ErrBadSignature},
		"no signature":    {secret, "t=1743901200", body, now, ErrBadSignature},
		"empty":           {secret, "", body, now, ErrBadSignature},
		"garbage":         {secret, "v1=zz,t=abc", body, now, ErrBadSignature},
	}
	for name, c := range cases {
		if err := Verify(c.secret, c.header, c.body, c.now, 5*time.Minute); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

// fakeChannel records or fails.
type fakeChannel struct {
	name string
	err  error
	got  []Message
}

func (f *fakeChannel) Name() string { return f.name }
func (f *fakeChannel) Send(_ context.Context, m Message) error {
	if f.err != nil {
		return f.err
	}
	f.got = append(f.got, m)
	return nil
}

type fakeInbox struct{ posted []Message }

func (f *fakeInbox) Post(_ context.Context, m Message) error {
	f.posted = append(f.posted, m)
	return nil
}

func TestDeliver(t *testing.T) {
	inbox := &fakeInbox{}
	broken := &fakeChannel{name: "mail", err: errors.New("smtp down")}
	hook := &fakeChannel{name: "webhook"}
	clock := time.Date(2025, 4, 6, 9, 0, 0, 0, time.UTC)
	msg := testMessage()
	ds := Deliver(context.Background(), msg, func() time.Time { return clock }, App{Inbox: inbox}, broken, hook)
	if len(ds) != 3 {
		t.Fatalf("deliveries = %+v", ds)
	}
	want := []struct {
		channel string
		ok      bool
	}{{"app", true}, {"mail", false}, {"webhook", true}}
	for i, w := range want {
		d := ds[i]
		if d.Channel != w.channel || d.OK() != w.ok || d.Key != msg.Key || !d.At.Equal(clock) {
			t.Errorf("delivery %d = %+v, want %s ok=%v", i, d, w.channel, w.ok)
		}
	}
	if ds[1].Err != "smtp down" {
		t.Errorf("error = %q", ds[1].Err)
	}
	if len(inbox.posted) != 1 || len(hook.got) != 1 || hook.got[0].Key != msg.Key {
		t.Errorf("inbox %d, webhook %d", len(inbox.posted), len(hook.got))
	}
	if err := (App{}).Send(context.Background(), msg); err == nil {
		t.Error("App without an inbox sent")
	}
}
