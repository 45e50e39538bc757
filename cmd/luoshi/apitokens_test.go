package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadAPITokens(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "tokens")
	os.WriteFile(good, []byte("# system API tokens\n\noffice-token-0123456789 * report 省政府督查室\ncity-token-0123456789\t510700\tread\t绵阳市 数据平台\n"), 0o600)
	ts, err := readAPITokens(good)
	if err != nil || len(ts) != 2 {
		t.Fatalf("%v %v", ts, err)
	}
	if ts[0].Unit != "" || !ts[0].Report || ts[1].Unit != "510700" || ts[1].Report || ts[1].Name != "绵阳市 数据平台" {
		t.Fatalf("parsed %+v", ts)
	}
	for _, bad := range []string{"short * read x\n", "tok-0123456789abcdef * write x\n", "tok-0123456789abcdef *\n"} {
		p := filepath.Join(dir, "bad")
		os.WriteFile(p, []byte(bad), 0o600)
		if _, err := readAPITokens(p); err == nil || !strings.Contains(err.Error(), "bad:1:") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
