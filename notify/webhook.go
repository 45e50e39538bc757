package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Webhook payload formats.
const (
	// FormatJSON posts the Message as JSON: key, subject, text, unit,
	// period, kind, level, at.
	FormatJSON = "json"
	// FormatText posts {"msgtype":"text","text":{"content":…}}, which
	// WeCom (企业微信) and DingTalk (钉钉) group robots accept; a reply
	// with a non-zero "errcode" counts as a failure.
	FormatText = "text"
)

// Headers of a webhook request.
const (
	SignatureHeader = "X-Luoshi-Signature" // t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
	DeliveryHeader  = "X-Luoshi-Delivery"  // the message key, for receivers to drop repeats
)

// WebhookConfig says where and how to post.
type WebhookConfig struct {
	URL     string
	Secret  []byte // signing secret shared with the receiver; required
	Format  string // FormatJSON (default) or FormatText
	Timeout time.Duration
	Client  *http.Client     // nil: a client with Timeout
	Now     func() time.Time // clock for signatures; nil: time.Now
}

// Webhook is the channel that posts messages to a URL, signed.
type Webhook struct {
	cfg WebhookConfig
}

// StatusError is the error of a webhook whose receiver answered with a
// status other than 2xx, or with a failure in its reply.
type StatusError struct {
	Code int
	Body string // the start of the reply
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("webhook answered %d %s: %s", e.Code, http.StatusText(e.Code), e.Body)
}

// NewWebhook returns a webhook channel, checking cfg.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("notify: webhook: bad URL %q", cfg.URL)
	}
	if len(cfg.Secret) == 0 {
		return nil, errors.New("notify: webhook: empty signing secret")
	}
	switch cfg.Format {
	case "":
		cfg.Format = FormatJSON
	case FormatJSON, FormatText:
	default:
		return nil, fmt.Errorf("notify: webhook: unknown format %q", cfg.Format)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Webhook{cfg: cfg}, nil
}

// Name returns "webhook".
func (*Webhook) Name() string { return "webhook" }

// payload returns the body to post for m.
func (w *Webhook) payload(m Message) ([]byte, error) {
	if w.cfg.Format == FormatText {
		content := m.Text
		if m.Subject != "" {
			content = m.Subject + "\n" + m.Text
		}
		return json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": content}})
	}
	return json.Marshal(m)
}

// Send posts m, signed, and fails on a transport error, a timeout, a
// non-2xx status or, in FormatText, a non-zero errcode in the reply.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	body, err := w.payload(m)
	if err != nil {
		return fmt.Errorf("notify: webhook: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "luoshi-notify/1")
	req.Header.Set(SignatureHeader, Sign(w.cfg.Secret, w.cfg.Now(), body))
	if m.Key != "" {
		req.Header.Set(DeliveryHeader, m.Key)
	}
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("notify: webhook: %w", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify: webhook: %w", &StatusError{Code: resp.StatusCode, Body: clip(string(reply), 512)})
	}
	if w.cfg.Format == FormatText {
		var r struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if json.Unmarshal(reply, &r) == nil && r.ErrCode != 0 {
			return fmt.Errorf("notify: webhook: %w", &StatusError{Code: resp.StatusCode, Body: fmt.Sprintf("errcode %d: %s", r.ErrCode, clip(r.ErrMsg, 200))})
		}
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Sign returns the signature header value of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 over "<unix seconds>.<body>">".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("notify: bad webhook signature")
	ErrStale        = errors.New("notify: webhook signature outside the time tolerance")
)

// Verify checks a webhook request as its receiver: header is the
// SignatureHeader value, body the raw request body. The signature must
// match one v1 value (several are allowed, for rotating secrets) and its
// time must be within tolerance of now, against replays.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: malformed header", ErrBadSignature)
	}
	want := []byte(mac(secret, ts, body))
	ok := false
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}
