package auth

import (
	"net/http"
	"time"
)

// Cookie names. Under TLS the session cookie takes the __Host- prefix: the
// browser then only accepts it Secure, for the whole site, from this host.
const (
	sessionCookie       = "luoshi_session"
	sessionCookieSecure = "__Host-luoshi_session"
)

// SessionCookieName is the name of the session cookie, secure under TLS.
func SessionCookieName(secure bool) string {
	if secure {
		return sessionCookieSecure
	}
	return sessionCookie
}

// SessionCookie returns the cookie carrying a session token: HttpOnly (no
// script reads it), SameSite=Lax (not sent with cross-site form posts, while
// a link to the site from a chat message still opens logged in), Secure
// under TLS, for the whole site, until expires.
func SessionCookie(token string, expires time.Time, secure bool) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookieName(secure),
		Value:    token,
		Path:     "/",
		Expires:  expires.UTC(),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// ClearSessionCookie returns the cookie that removes the session cookie.
func ClearSessionCookie(secure bool) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookieName(secure),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
}

func preSessionCookieName(secure bool) string {
	if secure {
		return "__Host-luoshi_pre"
	}
	return "luoshi_pre"
}

// NewPreSession returns a short-lived, Strict, random cookie for a visitor
// without a session, and the ID to bind the login form's CSRF token to
// (CSRF.Token(id)); read it back with PreSessionID.
func NewPreSession(secure bool) (*http.Cookie, string) {
	token := randomToken()
	return &http.Cookie{
		Name:     preSessionCookieName(secure),
		Value:    token,
		Path:     "/",
		MaxAge:   int((30 * time.Minute).Seconds()),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteStrictMode,
	}, hashToken(token)
}

// PreSessionID returns the ID of the pre-session cookie r carries, "" when
// it has none or a malformed one.
func PreSessionID(r *http.Request) string {
	c, err := r.Cookie(preSessionCookieName(IsTLS(r)))
	if err != nil {
		return ""
	}
	id, err := SessionID(c.Value)
	if err != nil {
		return ""
	}
	return id
}

// IsTLS reports whether r came over TLS (to this server; a terminating
// proxy in front is the caller's to trust through its own configuration).
func IsTLS(r *http.Request) bool { return r.TLS != nil }

// SessionToken returns the session token r carries, "" when none.
func SessionToken(r *http.Request) string {
	c, err := r.Cookie(SessionCookieName(IsTLS(r)))
	if err != nil {
		return ""
	}
	return c.Value
}
