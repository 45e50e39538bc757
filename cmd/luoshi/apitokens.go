package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"luoshi/api"
)

// readAPITokens reads the tokens the system API accepts until accounts
// issue them: one a line, tab or space separated,
//
//	TOKEN  UNIT  SCOPE  NAME…
//
// where UNIT is a unit code or * for the supervision office, SCOPE is read
// or report, and NAME (the rest of the line) says who uses it. Blank lines
// and lines starting with # are skipped.
func readAPITokens(path string) ([]api.StaticToken, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("api tokens: %w", err)
	}
	defer f.Close()
	var out []api.StaticToken
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 4 {
			return nil, fmt.Errorf("%s:%d: want TOKEN UNIT SCOPE NAME", path, n)
		}
		t := api.StaticToken{Token: fs[0], Unit: fs[1], Name: strings.Join(fs[3:], " ")}
		if t.Unit == "*" {
			t.Unit = ""
		}
		switch fs[2] {
		case "read":
		case "report":
			t.Report = true
		default:
			return nil, fmt.Errorf("%s:%d: scope %q is neither read nor report", path, n, fs[2])
		}
		if len(t.Token) < 16 {
			return nil, fmt.Errorf("%s:%d: token shorter than 16 characters", path, n)
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("api tokens: %w", err)
	}
	return out, nil
}
