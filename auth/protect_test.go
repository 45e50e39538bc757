package auth

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestBearerToken(t *testing.T) {
	cases := map[string]string{
		"":                     "",
		"Bearer lst_abc":       "lst_abc",
		"bearer lst_abc ":      "lst_abc",
		"BEARER  lst_abc":      "lst_abc",
		"Bearer":               "",
		"Bearer ":              "",
		"Basic dXNlcjpwYXNz":   "",
		"Bearerlst_abc":        "",
		"Token lst_abc":        "",
		"Bearer 令牌\x00":        "令牌\x00",
		"Bearer a b":           "a b",
		strings.Repeat("x", 9): "",
	}
	for h, want := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		if got := BearerToken(r); got != want {
			t.Errorf("BearerToken(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestProtect(t *testing.T) {
	c, err := NewCSRF(key(7))
	if err != nil {
		t.Fatal(err)
	}
	const sid = "session-id-1"
	reached := 0
	h := c.Protect(func(r *http.Request) string {
		if ck, err := r.Cookie("s"); err == nil {
			return ck.Value
		}
		return ""
	}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		io.WriteString(w, "ok")
	}))
	tok := c.Token(sid)
	form := func(v url.Values) io.Reader { return strings.NewReader(v.Encode()) }
	multi := func(field, value string) (io.Reader, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField(field, value)
		fw, _ := mw.CreateFormFile("file", "进度.xlsx")
		fw.Write([]byte("PK\x03\x04 not really a workbook"))
		mw.Close()
		return &b, mw.FormDataContentType()
	}
	type req struct {
		name   string
		method string
		body   func() (io.Reader, string)
		hdr    map[string]string
		cookie bool
		want   int
	}
	urlenc := "application/x-www-form-urlencoded"
	cases := []req{
		{"GET passes", "GET", nil, nil, false, 200},
		{"HEAD passes", "HEAD", nil, nil, false, 200},
		{"form with token", "POST", func() (io.Reader, string) { return form(url.Values{"csrf": {tok}, "v": {"1"}}), urlenc }, nil, true, 200},
		{"header token", "POST", nil, map[string]string{"X-CSRF-Token": tok}, true, 200},
		{"multipart with token", "POST", func() (io.Reader, string) { return multi("csrf", tok) }, nil, true, 200},
		{"DELETE with header", "DELETE", nil, map[string]string{"X-CSRF-Token": tok}, true, 200},
		{"API call with bearer", "POST", nil, map[string]string{"Authorization": "Bearer lst_x"}, false, 200},
		{"no token", "POST", func() (io.Reader, string) { return form(url.Values{"v": {"1"}}), urlenc }, nil, true, 403},
		{"wrong token", "POST", func() (io.Reader, string) { return form(url.Values{"csrf": {c.Token("other")}}), urlenc }, nil, true, 403},
		{"token but no session", "POST", func() (io.Reader, string) { return form(url.Values{"csrf": {tok}}), urlenc }, nil, false, 403},
		{"token in query only", "POST", nil, nil, true, 403},
		{"multipart without token", "POST", func() (io.Reader, string) { return multi("x", tok) }, nil, true, 403},
		{"bearer with cookie", "POST", nil, map[string]string{"Authorization": "Bearer lst_x"}, true, 403},
		{"cross-site", "POST", func() (io.Reader, string) { return form(url.Values{"csrf": {tok}}), urlenc }, map[string]string{"Sec-Fetch-Site": "cross-site"}, true, 403},
		{"foreign origin", "POST", func() (io.Reader, string) { return form(url.Values{"csrf": {tok}}), urlenc }, map[string]string{"Origin": "https://evil.example"}, true, 403},
		{"same origin", "POST", func() (io.Reader, string) { return form(url.Values{"csrf": {tok}}), urlenc }, map[string]string{"Sec-Fetch-Site": "same-origin"}, true, 200},
		{"huge token", "POST", nil, map[string]string{"X-CSRF-Token": strings.Repeat("A", 1<<16)}, true, 403},
	}
	for _, tc := range cases {
		var body io.Reader
		ct := ""
		if tc.body != nil {
			body, ct = tc.body()
		}
		target := "/report"
		if tc.name == "token in query only" {
			target += "?csrf=" + url.QueryEscape(tok)
		}
		r := httptest.NewRequest(tc.method, target, body)
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		for k, v := range tc.hdr {
			r.Header.Set(k, v)
		}
		if tc.cookie {
			r.AddCookie(&http.Cookie{Name: "s", Value: sid})
		}
		w := httptest.NewRecorder()
		before := reached
		h.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, w.Code, tc.want, w.Body)
		}
		if (reached > before) != (tc.want == 200) {
			t.Errorf("%s: handler reached %v", tc.name, reached > before)
		}
		if tc.want == 403 && !strings.Contains(w.Body.String(), "拒绝") && !strings.Contains(w.Body.String(), "刷新页面") {
			t.Errorf("%s: message %q", tc.name, w.Body)
		}
	}
}
