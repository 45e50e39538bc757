package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// sink is a tiny SMTP server on 127.0.0.1 that records what it receives.
type sink struct {
	ln          net.Listener
	tls         *tls.Config // offer STARTTLS with it
	implicit    bool        // TLS from the start
	stall       bool        // accept connections and never answer
	rejectRcpt  string      // a recipient to refuse with 550
	mu          sync.Mutex
	tlsSessions int
	msgs        []sunk
	auths       []string
	wg          sync.WaitGroup
}

type sunk struct {
	from string
	to   []string
	data []byte
}

func startSink(t *testing.T, configure func(*sink)) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{ln: ln}
	if configure != nil {
		configure(s)
	}
	if s.implicit {
		s.ln = tls.NewListener(ln, s.tls)
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *sink) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *sink) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if s.stall {
				io.Copy(io.Discard, c)
				return
			}
			s.handle(c)
		}()
	}
}

func (s *sink) handle(c net.Conn) {
	tp := textproto.NewConn(c)
	reply := func(line string) { tp.PrintfLine("%s", line) }
	reply("220 sink ready")
	_, secure := c.(*tls.Conn)
	var cur sunk
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			reply("250-sink greets " + arg)
			reply("250-8BITMIME")
			if s.tls != nil && !secure {
				reply("250-STARTTLS")
			}
			reply("250 AUTH PLAIN")
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, secure = tc, true
			tp = textproto.NewConn(tc)
			s.mu.Lock()
			s.tlsSessions++
			s.mu.Unlock()
		case "AUTH":
			_, cred, _ := strings.Cut(arg, " ")
			b, _ := base64.StdEncoding.DecodeString(cred)
			s.mu.Lock()
			s.auths = append(s.auths, string(b))
			s.mu.Unlock()
			reply("235 ok")
		case "MAIL":
			cur = sunk{from: angle(arg)}
			reply("250 ok")
		case "RCPT":
			to := angle(arg)
			if to == s.rejectRcpt {
				reply("550 no such user")
				continue
			}
			cur.to = append(cur.to, to)
			reply("250 ok")
		case "DATA":
			reply("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.data = data
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			reply("250 queued")
		case "RSET", "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

// angle returns the address between < and > of a MAIL or RCPT argument.
func angle(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

func (s *sink) messages() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.msgs...)
}

func testMessage() Message {
	return Message{
		Key:     "7/510700/2025-03/overdue",
		To:      []string{"tianbao@mianyang.gov.cn", "王五 <wangwu@mianyang.gov.cn>"},
		Subject: "【逾期提醒】绵阳市 2025-03期进展填报已逾期，请于今日内补报所有未报送事项（共 12 项）",
		Text:    "绵阳市：2025-03 期进展填报已于 2025年4月5日 截止，尚有 2 项未报送（C1、C2），已逾期 1 天，请尽快填报。\n.\n第二段。",
		At:      time.Date(2025, 4, 6, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)),
	}
}

func TestMailSend(t *testing.T) {
	s := startSink(t, nil)
	m, err := NewMail(MailConfig{Host: "127.0.0.1", Port: s.port(), From: "duchashi@sc.gov.cn",
		FromName: "省政府督查室", Username: "luoshi", Password: "s3cret", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage()
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := s.messages()
	if len(got) != 1 {
		t.Fatalf("sink got %d messages", len(got))
	}
	g := got[0]
	if g.from != "duchashi@sc.gov.cn" || strings.Join(g.to, ",") != "tianbao@mianyang.gov.cn,wangwu@mianyang.gov.cn" {
		t.Errorf("envelope from %q to %v", g.from, g.to)
	}
	s.mu.Lock()
	auths := append([]string(nil), s.auths...)
	s.mu.Unlock()
	if len(auths) != 1 || auths[0] != "\x00luoshi\x00s3cret" {
		t.Errorf("auth = %q", auths)
	}
	pm, err := mail.ReadMessage(strings.NewReader(string(g.data)))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, g.data)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(pm.Header.Get("Subject"))
	if err != nil || subject != msg.Subject {
		t.Errorf("subject = %q, %v; want %q", subject, err, msg.Subject)
	}
	if raw := pm.Header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("subject not Q-encoded: %q", raw)
	}
	from, err := pm.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "省政府督查室" || from[0].Address != "duchashi@sc.gov.cn" {
		t.Errorf("From = %v, %v", from, err)
	}
	if d, err := pm.Header.Date(); err != nil || !d.Equal(msg.At) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if id := pm.Header.Get("Message-ID"); !strings.HasSuffix(id, "@sc.gov.cn>") {
		t.Errorf("Message-ID = %q", id)
	}
	if ct := pm.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	body, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, pm.Body))
	if string(body) != msg.Text {
		t.Errorf("body = %q", body)
	}
	for _, line := range strings.Split(string(g.data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d bytes", len(line))
		}
	}
}

func TestMailErrors(t *testing.T) {
	s := startSink(t, func(s *sink) { s.rejectRcpt = "nobody@mianyang.gov.cn" })
	stalled := startSink(t, func(s *sink) { s.stall = true })
	cfg := MailConfig{Host: "127.0.0.1", Port: s.port(), From: "duchashi@sc.gov.cn", Timeout: 2 * time.Second}
	m, err := NewMail(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	msg := testMessage()
	msg.To = []string{"a@mianyang.gov.cn", "nobody@mianyang.gov.cn"}
	if err := m.Send(ctx, msg); err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("refused recipient: %v", err)
	}
	msg.To = nil
	if err := m.Send(ctx, msg); err == nil {
		t.Error("sent without recipients")
	}
	msg.To = []string{"not an address"}
	if err := m.Send(ctx, msg); err == nil {
		t.Error("sent to a bad address")
	}
	msg = testMessage()
	msg.Subject = "催办\r\nBcc: evil@example.com"
	if err := m.Send(ctx, msg); err == nil {
		t.Error("sent a subject with a line break")
	}
	if n := len(s.messages()); n != 0 {
		t.Errorf("sink got %d messages from failed sends", n)
	}

	// A server that never answers: the timeout ends the attempt.
	cfg.Port, cfg.Timeout = stalled.port(), 300*time.Millisecond
	slow, _ := NewMail(cfg)
	start := time.Now()
	err = slow.Send(ctx, testMessage())
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stalled server: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}
	// STARTTLS required, not offered.
	cfg.Port, cfg.TLS, cfg.Timeout = s.port(), TLSStartTLS, 2*time.Second
	tlsMail, _ := NewMail(cfg)
	if err := tlsMail.Send(ctx, testMessage()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("missing STARTTLS: %v", err)
	}
	// Nothing listening.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg.Port, cfg.TLS = port, ""
	closed, _ := NewMail(cfg)
	if err := closed.Send(ctx, testMessage()); err == nil {
		t.Error("sent to a closed port")
	}
}

// selfSigned returns a server TLS config for 127.0.0.1 and a client
// config that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sink"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}

func TestMailTLS(t *testing.T) {
	srv, cli := selfSigned(t)
	for _, mode := range []string{TLSStartTLS, TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			s := startSink(t, func(s *sink) { s.tls, s.implicit = srv, mode == TLSImplicit })
			m, err := NewMail(MailConfig{Host: "127.0.0.1", Port: s.port(), From: "duchashi@sc.gov.cn",
				Username: "luoshi", Password: "s3cret", TLS: mode, TLSConfig: cli, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Send(context.Background(), testMessage()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.msgs) != 1 || len(s.auths) != 1 {
				t.Errorf("sink got %d messages, %d logins", len(s.msgs), len(s.auths))
			}
			if mode == TLSStartTLS && s.tlsSessions != 1 {
				t.Errorf("STARTTLS sessions = %d", s.tlsSessions)
			}
		})
	}
	// A client that does not trust the certificate refuses to go on.
	s := startSink(t, func(s *sink) { s.tls = srv })
	m, _ := NewMail(MailConfig{Host: "127.0.0.1", Port: s.port(), From: "duchashi@sc.gov.cn", TLS: TLSStartTLS, Timeout: 5 * time.Second})
	if err := m.Send(context.Background(), testMessage()); err == nil {
		t.Error("sent over TLS to an untrusted server")
	}
	if n := len(s.messages()); n != 0 {
		t.Errorf("untrusted server got %d messages", n)
	}
}

func TestNewMailChecks(t *testing.T) {
	bad := []MailConfig{
		{Port: 25, From: "a@b.cn"},
		{Host: "mail", Port: 0, From: "a@b.cn"},
		{Host: "mail", Port: 25, From: "not an address"},
		{Host: "mail", Port: 25, From: "a@b.cn", TLS: "ssl3"},
	}
	for _, c := range bad {
		if _, err := NewMail(c); err == nil {
			t.Errorf("NewMail(%+v) accepted", c)
		}
	}
}
