package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServe starts `luoshi serve --demo` on a fresh SQLite file and a free
// port, reads the cockpit, and stops it.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, &env{stdout: pw, stderr: io.Discard}, []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "luoshi.db"), "--demo"})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v (%v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	url := regexp.MustCompile(`http://\S+/`).FindString(line)
	if url == "" {
		t.Fatalf("no URL in %q", line)
	}
	c := &http.Client{Timeout: 30 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /: %d", res.StatusCode)
	}
	for _, want := range []string{"驾驶舱", "2025年四川省政府工作报告", "演示数据", "地区生产总值"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("cockpit lacks %q", want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve ended with %v", err)
	}
	// Usage errors.
	if err := runServe(context.Background(), &env{stdout: io.Discard, stderr: io.Discard}, []string{"--as-of", "yesterday"}); err == nil {
		t.Error("a bad --as-of was accepted")
	}
}
