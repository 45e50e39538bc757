package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// TLS modes of a mail server connection.
const (
	TLSNone     = "none"     // plain SMTP (an intranet relay)
	TLSStartTLS = "starttls" // plain, then STARTTLS, which the server must offer
	TLSImplicit = "tls"      // TLS from the start (port 465)
)

// MailConfig says how to reach the mail server.
type MailConfig struct {
	Host     string
	Port     int
	From     string // envelope and header sender address
	FromName string // display name, e.g. 省政府督查室
	// Username and Password, if Username is set, authenticate with AUTH
	// PLAIN, which net/smtp allows only over TLS or to localhost.
	Username, Password string
	TLS                string      // TLSNone (default), TLSStartTLS or TLSImplicit
	TLSConfig          *tls.Config // nil: verify the server as Host
	Timeout            time.Duration
	HelloName          string // name given in EHLO; "localhost" if empty
}

// Mail is the e-mail channel.
type Mail struct {
	cfg  MailConfig
	from mail.Address
}

// NewMail returns a mail channel, checking cfg.
func NewMail(cfg MailConfig) (*Mail, error) {
	if cfg.Host == "" || cfg.Port <= 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("notify: mail: need a host and a port, got %q:%d", cfg.Host, cfg.Port)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: mail: sender %q: %w", cfg.From, err)
	}
	from.Name = cfg.FromName
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSNone
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("notify: mail: unknown TLS mode %q", cfg.TLS)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	return &Mail{cfg: cfg, from: *from}, nil
}

// Name returns "mail".
func (*Mail) Name() string { return "mail" }

// Send mails m to m.To in one SMTP transaction, within the configured
// timeout and ctx.
func (ml *Mail) Send(ctx context.Context, m Message) error {
	if len(m.To) == 0 {
		return errors.New("notify: mail: no recipients")
	}
	to := make([]string, 0, len(m.To))
	for _, a := range m.To {
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return fmt.Errorf("notify: mail: recipient %q: %w", a, err)
		}
		to = append(to, addr.Address)
	}
	date := m.At
	if date.IsZero() {
		date = time.Now()
	}
	body, err := compose(ml.from, to, m.Subject, m.Text, date, m.Key)
	if err != nil {
		return fmt.Errorf("notify: mail: %w", err)
	}
	if err := ml.transact(ctx, to, body); err != nil {
		return fmt.Errorf("notify: mail to %s: %w", strings.Join(to, ", "), err)
	}
	return nil
}

func (ml *Mail) tlsConfig() *tls.Config {
	if ml.cfg.TLSConfig != nil {
		c := ml.cfg.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = ml.cfg.Host
		}
		return c
	}
	return &tls.Config{ServerName: ml.cfg.Host, MinVersion: tls.VersionTLS12}
}

func (ml *Mail) transact(ctx context.Context, to []string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, ml.cfg.Timeout)
	defer cancel()
	addr := net.JoinHostPort(ml.cfg.Host, strconv.Itoa(ml.cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	// Close the connection when ctx ends, so a stalled server cannot hold
	// the sender past the timeout.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			conn.Close()
			return err
		}
	}
	if ml.cfg.TLS == TLSImplicit {
		conn = tls.Client(conn, ml.tlsConfig())
	}
	c, err := smtp.NewClient(conn, ml.cfg.Host)
	if err != nil {
		conn.Close()
		return ctxErr(ctx, err)
	}
	defer c.Close()
	if err := ml.session(c, to, body); err != nil {
		return ctxErr(ctx, err)
	}
	return nil
}

func (ml *Mail) session(c *smtp.Client, to []string, body []byte) error {
	if err := c.Hello(ml.cfg.HelloName); err != nil {
		return err
	}
	if ml.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("server does not offer STARTTLS")
		}
		if err := c.StartTLS(ml.tlsConfig()); err != nil {
			return err
		}
	}
	if ml.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", ml.cfg.Username, ml.cfg.Password, ml.cfg.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(ml.from.Address); err != nil {
		return err
	}
	for _, a := range to {
		if err := c.Rcpt(a); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// ctxErr says so when the context or the connection deadline (set from the
// same timeout) ended the exchange, so that errors.Is(err,
// context.DeadlineExceeded) holds for a timeout either way.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
	}
	return err
}

// compose returns an RFC 5322 message: UTF-8 text in base64, the subject
// and sender name as RFC 2047 encoded words (mime.QEncoding).
func compose(from mail.Address, to []string, subject, text string, date time.Time, key string) ([]byte, error) {
	for _, s := range append([]string{subject}, to...) {
		if strings.ContainsAny(s, "\r\n") {
			return nil, errors.New("line break in a header")
		}
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("Date", date.Format(time.RFC1123Z))
	if key != "" {
		sum := sha256.Sum256([]byte(key))
		domain := "luoshi.invalid"
		if _, d, ok := strings.Cut(from.Address, "@"); ok {
			domain = d
		}
		header("Message-ID", "<"+hex.EncodeToString(sum[:16])+"@"+domain+">")
	}
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(text))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes(), nil
}
