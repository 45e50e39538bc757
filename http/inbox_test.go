package http

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"luoshi/notify"
	"luoshi/reminders"
)

func TestInbox(t *testing.T) {
	f := newFixture(t, demoNow, false)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "inbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := reminders.Open(context.Background(), db, reminders.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Post(context.Background(), notify.Message{Key: "1/510700/2025-10/overdue", Unit: "510700", Level: "reporter",
		Subject: "【逾期提醒】绵阳市 2025-10期进展填报已逾期", Text: "请尽快填报。", At: f.now}); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: f.store, Now: func() time.Time { return f.now }, Inbox: l, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	if w := f.do("GET", "/inbox", "510700", nil, ""); w.Code != 200 || !strings.Contains(w.Body.String(), "绵阳市 2025-10期进展填报已逾期") {
		t.Fatalf("绵阳市's inbox: %d", w.Code)
	}
	if w := f.do("GET", "/inbox", "510100", nil, ""); w.Code != 200 || strings.Contains(w.Body.String(), "绵阳市 2025-10期") || !strings.Contains(w.Body.String(), "没有催办消息") {
		t.Fatalf("成都市 sees 绵阳市's reminder: %d", w.Code)
	}
	if w := f.do("GET", "/inbox", "", nil, ""); w.Code != 200 || !strings.Contains(w.Body.String(), "绵阳市 2025-10期") {
		t.Fatalf("office inbox: %d", w.Code)
	}
}
