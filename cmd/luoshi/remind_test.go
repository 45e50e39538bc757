package main

import (
	"bufio"
	"context"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"luoshi/notify"
	"luoshi/reminders"
)

// smtpSink is a local SMTP server that keeps what it is sent.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string // RCPT list, then the data
}

func startSMTP(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.handle(c)
		}
	}()
	return s
}

func (s *smtpSink) handle(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { io.WriteString(c, l+"\r\n") }
	say("220 sink")
	var rcpt []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "MAIL"):
			rcpt = nil
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT"):
			rcpt = append(rcpt, strings.TrimSpace(line[len("RCPT TO:"):]))
			say("250 ok")
		case cmd == "DATA":
			say("354 go")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, strings.Join(rcpt, ",")+"\n"+b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

func TestRemindCommand(t *testing.T) {
	db, _ := tinyDB(t)
	dir := filepath.Dir(db)
	mail := startSMTP(t)
	secret := "webhook-secret-0123456789"
	var mu sync.Mutex
	var hooks []string
	hook := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.Verify([]byte(secret), r.Header.Get(notify.SignatureHeader), body, time.Now(), time.Hour); err != nil {
			nethttp.Error(w, err.Error(), nethttp.StatusUnauthorized)
			return
		}
		mu.Lock()
		hooks = append(hooks, r.Header.Get(notify.DeliveryHeader))
		mu.Unlock()
	}))
	defer hook.Close()
	contacts := filepath.Join(dir, "contacts")
	os.WriteFile(contacts, []byte("510104 reporter tb@jinjiang.gov.cn\n510104 leader boss@jinjiang.gov.cn\n* office dcs@sc.gov.cn\n"), 0o600)
	args := func(day string, extra ...string) []string {
		return append([]string{"remind", "--db", db, "--as-of", day, "--smtp-host", "127.0.0.1", "--smtp-port",
			strconv.Itoa(mail.ln.Addr().(*net.TCPAddr).Port), "--smtp-from", "dcs@sc.gov.cn", "--contacts", contacts,
			"--webhook", hook.URL, "--webhook-secret", secret}, extra...)
	}

	// 2025-02 is due on 5 March: on the 3rd it is due soon for every unit.
	code, out, errs := runCmd(t, args("2025-03-03", "--dry-run")...)
	if code != 0 || !strings.Contains(out, "/510104/2025-02/due_soon") || !strings.Contains(out, "未发送（--dry-run）") {
		t.Fatalf("dry run: %d %q %q", code, out, errs)
	}
	if mail.count() != 0 || len(hooks) != 0 {
		t.Fatal("a dry run sent something")
	}
	code, out, errs = runCmd(t, args("2025-03-03")...)
	if code != 0 || !strings.Contains(out, "【催办提醒】锦江区 2025-02期进展填报将于2025年3月5日截止") || !strings.Contains(out, "mail 成功") {
		t.Fatalf("first run: %d %q %q", code, out, errs)
	}
	// Only 锦江区 and the office have addresses: the office gets the
	// escalations of January's reports that a few units never sent.
	n := strings.Count(out, "\n") - 1
	mailed := strings.Count(out, "mail 成功")
	if n < 7 || len(hooks) != n || mailed < 1 || mail.count() != mailed || strings.Count(out, "没有该单位此级别的邮件地址") != n-mailed {
		t.Fatalf("%d reminders, %d webhooks, %d mails (%d said): %s", n, len(hooks), mail.count(), mailed, out)
	}
	// The same day again: nothing is sent twice.
	code, out, _ = runCmd(t, args("2025-03-03")...)
	if code != 0 || !strings.HasPrefix(out, "0 条催办") || len(hooks) != n || mail.count() != mailed {
		t.Fatalf("second run: %d %q, %d webhooks, %d mails", code, out, len(hooks), mail.count())
	}
	// Four days after the due day: escalated to the unit's leader.
	code, out, _ = runCmd(t, args("2025-03-09")...)
	if code != 0 || !strings.Contains(out, "/510104/2025-02/escalated_leader") || mail.count() != mailed+1 {
		t.Fatalf("escalation: %d %q, %d mails", code, out, mail.count())
	}
	mail.mu.Lock()
	last := mail.msgs[mailed]
	mail.mu.Unlock()
	if !strings.HasPrefix(last, "<boss@jinjiang.gov.cn>") {
		t.Fatalf("escalation mailed to %q", strings.SplitN(last, "\n", 2)[0])
	}
	// Every reminder is recorded with its deliveries; the inbox has them.
	sqldb, d, err := openLedgerDB(db)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	l, err := reminders.Open(context.Background(), sqldb, d)
	if err != nil {
		t.Fatal(err)
	}
	var recorded int
	if err := sqldb.QueryRow(`SELECT count(*) FROM reminders_sent`).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	inbox, err := l.Inbox(context.Background(), "510104", 10)
	if err != nil || recorded != len(hooks) || len(inbox) != 2 || !strings.Contains(inbox[0].Subject, "催办升级") {
		t.Fatalf("recorded %d (webhooks %d), inbox of 锦江区 %d: %v", recorded, len(hooks), len(inbox), err)
	}
}
