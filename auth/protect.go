package auth

import (
	"mime"
	"net/http"
	"strings"
)

// CSRFField is the form field, and CSRFHeader the header, that carry the
// CSRF token.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

// MaxFormMemory is what Protect lets a multipart form hold in memory while
// it looks for the token (the rest goes to temporary files, as
// http.Request.ParseMultipartForm does); the handler's own size limit
// (http.MaxBytesReader) still applies if set before.
const MaxFormMemory = 32 << 20

// BearerToken returns the token of an "Authorization: Bearer …" header,
// "" when there is none.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const p = "bearer "
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return ""
	}
	return strings.TrimSpace(h[len(p):])
}

// Protect returns next behind two checks on every request that may change
// something (any method but GET, HEAD and OPTIONS): the browser's own
// cross-origin signals (http.CrossOriginProtection: Sec-Fetch-Site,
// Origin), and the CSRF token of the session sessionID(r) names, from the
// X-CSRF-Token header or the "csrf" form field. A request with a bearer
// token and no cookie is an API call, which no browser sends cross-site,
// and passes. A refused request gets 403 and a message in Chinese.
func (c *CSRF) Protect(sessionID func(*http.Request) string, next http.Handler) http.Handler {
	var cop http.CrossOriginProtection
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if BearerToken(r) != "" && r.Header.Get("Cookie") == "" {
			next.ServeHTTP(w, r)
			return
		}
		if err := cop.Check(r); err != nil {
			http.Error(w, "请求来源不明，已拒绝", http.StatusForbidden)
			return
		}
		tok := r.Header.Get(CSRFHeader)
		if tok == "" {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
				r.ParseMultipartForm(MaxFormMemory)
			}
			tok = r.PostFormValue(CSRFField)
		}
		if !c.Check(sessionID(r), tok) {
			http.Error(w, "页面已过期或请求来源不明，请刷新页面后重试", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
