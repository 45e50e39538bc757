package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestLoadtestUpload runs the upload load test on the tiny province: every
// county, city and department uploads its filled-in workbook through the
// HTTP endpoint, and every value is found in the store afterwards.
func TestLoadtestUpload(t *testing.T) {
	db, _ := tinyDB(t)
	code, out, errs := runCmd(t, "loadtest", "upload", "--db", db, "--c", "4", "--duration", "1m")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if !strings.Contains(out, "period 2025-02") || !strings.Contains(out, "0 failed") || !strings.Contains(out, ", 0 lost") {
		t.Fatalf("output: %s", out)
	}
	m := regexp.MustCompile(`uploads: (\d+) sent, (\d+) accepted`).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("uploads: %s", out)
	}
	if !regexp.MustCompile(`store: [1-9]\d* values of accepted workbooks checked, 0 lost`).MatchString(out) {
		t.Fatalf("nothing checked: %s", out)
	}
	// The page load test is still there.
	if code, _, _ := runCmd(t, "loadtest", "--bogus"); code != 2 {
		t.Fatalf("loadtest --bogus: exit %d", code)
	}
}
