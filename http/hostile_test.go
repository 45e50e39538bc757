package http

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"luoshi"
	"luoshi/catalog"
	"luoshi/reports"
)

// hostile are text values a user or another system may send: markup,
// SQL metacharacters, control characters, a very long word.
var hostile = []string{
	`<script>alert("x")</script><img src=x onerror=alert(1)>`,
	`'); DROP TABLE progress; --`,
	`" OR 1=1 -- ` + "\x00" + `'; DELETE FROM audit_events; --`,
	`{{.}} ${jndi:ldap://x} %s%n %00 ../../etc/passwd`,
}

// TestHostileFormText saves hostile text through the 填报 form and the alert
// acknowledgement: it is stored as typed (no injection), the tables are
// intact, and every page shows it as text.
func TestHostileFormText(t *testing.T) {
	now := time.Date(2025, 4, 10, 9, 0, 0, 0, reports.CST)
	f := newFixture(t, now, false)
	ctx := context.Background()
	v, err := f.srv.load(httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	var unit, item string
	for _, c := range v.Plan.Commitments {
		if a, ok := v.Lead[c.ID]; ok && len(c.Targets) == 0 {
			unit, item = a.Lead, c.ID
			break
		}
	}
	stored := 0
	for i, h := range hostile {
		w := f.post("/report", unit, url.Values{"item": {item}, "period": {"2025-03"}, "value": {itoa(10 + i)}, "narrative": {h}, "action": {"save"}})
		if w.Code != nethttp.StatusSeeOther && w.Code != nethttp.StatusBadRequest {
			t.Fatalf("hostile narrative %d: status %d", i, w.Code)
		}
		if w.Code == nethttp.StatusBadRequest {
			// Refused (a NUL byte): the message is shown and the text kept,
			// escaped.
			if strings.Contains(w.Body.String(), "<script>alert") {
				t.Errorf("hostile narrative %d echoed as HTML", i)
			}
			continue
		}
		ps, err := f.store.ListProgress(ctx, luoshi.ProgressFilter{PlanID: f.planID, Item: item, Unit: unit})
		if err != nil {
			t.Fatalf("ListProgress after hostile narrative %d: %v", i, err)
		}
		if len(ps) != 1 || ps[0].Narrative != strings.TrimSpace(h) {
			t.Fatalf("stored narrative %q, want %q", ps[0].Narrative, h)
		}
		stored++
		for _, page := range []string{"/tasks/" + item, "/report?unit=" + url.QueryEscape(unit)} {
			body := f.get(page, unit).Body.String()
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
				t.Errorf("%s renders hostile narrative %d as HTML", page, i)
			}
		}
	}
	if stored < len(hostile)-1 {
		t.Fatalf("only %d of %d hostile narratives were stored as typed", stored, len(hostile))
	}
	// The alert note: stored, shown escaped.
	if err := f.srv.ScanAlerts(ctx); err != nil {
		t.Fatal(err)
	}
	as, err := f.store.Alerts(ctx, luoshi.AlertFilter{PlanID: f.planID, Open: true})
	if err != nil || len(as) == 0 {
		t.Fatalf("alerts: %d, %v", len(as), err)
	}
	id := itoa(int(as[0].ID))
	wantStatus(t, f.post("/alerts/"+id+"/ack", "", url.Values{"note": {hostile[0] + hostile[1]}}), nethttp.StatusSeeOther)
	acked, err := f.store.Alerts(ctx, luoshi.AlertFilter{PlanID: f.planID})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range acked {
		if a.ID == as[0].ID && strings.Contains(a.AckNote, "DROP TABLE progress") {
			found = true
		}
	}
	if !found {
		t.Error("the hostile note was not stored as typed")
	}
	body := f.get("/tasks/"+as[0].Item, "").Body.String() + f.get("/alerts", "").Body.String()
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Error("alert pages render a hostile note as HTML")
	}
	// Every table still answers.
	if _, err := f.store.Plans(ctx, luoshi.PlanFilter{}); err != nil {
		t.Fatal(err)
	}
}

// TestHostileUploads sends reports with path tricks in their file names,
// a file of the wrong type and an oversized file: nothing is written
// outside the drafts folder, and the bad ones get a clear message and are
// not kept.
func TestHostileUploads(t *testing.T) {
	f := newFixture(t, demoNow, false)
	root := t.TempDir()
	drafts := filepath.Join(root, "drafts")
	srv, err := New(Config{Store: f.store, Catalog: catalog.Sichuan(), Now: func() time.Time { return demoNow },
		DraftDir: drafts, MaxUpload: 200 << 10, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	post := func(name string, data []byte) *httptest.ResponseRecorder {
		body, ct := upload(t, name, data)
		r := httptest.NewRequest("POST", "/import", body)
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w
	}
	text := []byte(reports.Sichuan2025())
	for _, name := range []string{"../../evil.txt", `..\..\evil.txt`, "/etc/cron.d/evil.txt", "a/../../../evil.docx.txt", "报告\x00.txt"} {
		w := post(name, text)
		if w.Code != nethttp.StatusSeeOther && w.Code != nethttp.StatusBadRequest {
			t.Errorf("%q: status %d", name, w.Code)
		}
	}
	// Nothing outside the drafts folder.
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasPrefix(p, drafts+string(filepath.Separator)) {
			t.Errorf("upload wrote %s outside the drafts folder", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(root, "evil.txt"), filepath.Join(filepath.Dir(root), "evil.txt")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists", p)
		}
	}
	kept := func() int {
		es, _ := os.ReadDir(drafts)
		return len(es)
	}
	n := kept()
	// A picture named .docx, and a file over the limit: refused, not kept.
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	w := post("report.docx", png)
	wantStatus(t, w, nethttp.StatusBadRequest)
	wantBody(t, w, `id="report-error"`)
	w = post("big.txt", []byte(strings.Repeat("四川省政府工作报告。", 30000)))
	if w.Code != nethttp.StatusBadRequest && w.Code != nethttp.StatusRequestEntityTooLarge {
		t.Fatalf("oversized upload: status %d", w.Code)
	}
	wantBody(t, w, "文件太大")
	if kept() != n {
		t.Errorf("refused uploads were kept: %d drafts, want %d", kept(), n)
	}
}
