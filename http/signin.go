package http

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	nethttp "net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"luoshi"
	"luoshi/audit"
	"luoshi/auth"
)

// Accounts is what sign-in needs of the accounts store; *sqlauth.Store
// fits. With Config.Accounts set every page asks for a signed-in account,
// the account's principal scopes the store for the request (the store
// filters every query by it: auth.WithPrincipal) and every unsafe request
// carries a CSRF token.
type Accounts interface {
	auth.AccountLookup
	auth.SessionStore
	Accounts(ctx context.Context) ([]auth.Account, error)
	CreateFirstAdmin(ctx context.Context, a auth.Account) error
	RehashPassword(ctx context.Context, name, oldHash, newHash string) error
}

// signin holds what the sign-in pages and the session guard use.
type signin struct {
	accounts Accounts
	sessions auth.Sessions
	login    *auth.Authenticator
	hasher   *auth.Hasher
	csrf     *auth.CSRF
}

// newSignin returns nil when cfg has no accounts store: the pages are then
// open, as before accounts existed.
func newSignin(cfg Config) (*signin, error) {
	if cfg.Accounts == nil {
		return nil, nil
	}
	key := cfg.CSRFKey
	if len(key) == 0 {
		key = make([]byte, auth.MinCSRFKey)
		rand.Read(key)
	}
	csrf, err := auth.NewCSRF(key)
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	h, err := auth.NewHasher(auth.DefaultParams(), 2)
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	return &signin{
		accounts: cfg.Accounts,
		sessions: auth.Sessions{Store: cfg.Accounts, Policy: auth.DefaultSessionPolicy()},
		login:    &auth.Authenticator{Accounts: cfg.Accounts, Hasher: h, Throttle: auth.NewThrottle(auth.DefaultThrottleConfig(), time.Now)},
		hasher:   h,
		csrf:     csrf,
	}, nil
}

// signedIn is the account a request is signed in as.
type signedIn struct {
	Session auth.Session
	Account auth.Account
}

type signedInKey struct{}

func signedInFrom(r *nethttp.Request) *signedIn {
	si, _ := r.Context().Value(signedInKey{}).(*signedIn)
	return si
}

// openPath reports whether path is served without an account.
func openPath(path string) bool {
	switch path {
	case "/login", "/setup", "/healthz":
		return true
	}
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/public/")
}

func unsafeMethod(m string) bool {
	return m != nethttp.MethodGet && m != nethttp.MethodHead && m != nethttp.MethodOptions
}

// clientAddr is the address a request came from, without the port.
func clientAddr(r *nethttp.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// guard resolves the session, sends visitors without one to the sign-in
// page, puts the account's principal and who-and-where in the request's
// context for the store, refuses writes to viewers and checks the CSRF
// token of every unsafe request.
func (g *signin) guard(next nethttp.Handler) nethttp.Handler {
	protected := g.csrf.Protect(func(r *nethttp.Request) string {
		if si := signedInFrom(r); si != nil {
			return si.Session.ID
		}
		return auth.PreSessionID(r)
	}, next)
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		ctx := r.Context()
		var si *signedIn
		if tok := auth.SessionToken(r); tok != "" {
			if sess, err := g.sessions.Resolve(ctx, tok); err == nil {
				if acc, err := g.accounts.AccountByName(ctx, sess.Account); err == nil && !acc.Disabled {
					si = &signedIn{Session: sess, Account: acc}
				}
			}
		}
		switch {
		case si == nil && !openPath(r.URL.Path):
			if unsafeMethod(r.Method) {
				nethttp.Error(w, "请先登录", nethttp.StatusUnauthorized)
				return
			}
			next := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
			nethttp.Redirect(w, r, next, nethttp.StatusSeeOther)
			return
		case r.URL.Path == "/as":
			// Identities come from accounts now.
			nethttp.NotFound(w, r)
			return
		}
		if si != nil {
			p := si.Account.Principal()
			if p.Role == auth.RoleViewer && unsafeMethod(r.Method) && r.URL.Path != "/logout" {
				nethttp.Error(w, "查看者账号只能查看，不能修改", nethttp.StatusForbidden)
				return
			}
			ctx = auth.WithPrincipal(ctx, p)
			ctx = audit.WithWho(ctx, audit.Who{Actor: p.Account, Address: clientAddr(r)})
			ctx = context.WithValue(ctx, signedInKey{}, si)
			r = r.WithContext(ctx)
		}
		protected.ServeHTTP(w, r)
	})
}

// csrfToken is the token the forms of r's page carry, "" without accounts.
func (s *Server) csrfToken(r *nethttp.Request) string {
	if s.signin == nil {
		return ""
	}
	if si := signedInFrom(r); si != nil {
		return s.signin.csrf.Token(si.Session.ID)
	}
	if id := auth.PreSessionID(r); id != "" {
		return s.signin.csrf.Token(id)
	}
	return ""
}

var postForm = regexp.MustCompile(`(?i)<form\b[^>]*\bmethod="post"[^>]*>`)

// withCSRF adds the CSRF field to every form that posts.
func withCSRF(html []byte, token string) []byte {
	if token == "" {
		return html
	}
	field := []byte(`<input type="hidden" name="` + auth.CSRFField + `" value="` + token + `">`)
	if bytes.Contains(html, field) {
		return html // the page carries it already (sign-in pages)
	}
	return postForm.ReplaceAllFunc(html, func(m []byte) []byte {
		return append(append([]byte{}, m...), field...)
	})
}

// sessionActor is the actor of a signed-in request: the office for an
// administrator and a viewer of every unit, else the account's first unit
// (its leader for a leader).
func (s *Server) sessionActor(r *nethttp.Request) (actor, bool) {
	si := signedInFrom(r)
	if si == nil {
		return actor{}, false
	}
	a := si.Account
	name := a.DisplayName
	if name == "" {
		name = a.Name
	}
	if a.Role == auth.RoleAdmin || len(a.Units) == 0 {
		return actor{Name: name}, true
	}
	u, err := s.cfg.Store.Unit(r.Context(), a.Units[0])
	if err != nil {
		return actor{Name: name}, true
	}
	return actor{Unit: u.Code, Name: u.Name + " " + name, Leader: a.Role == auth.RoleLeader}, true
}

// safeNext is where to go after signing in: a local path only.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.HasPrefix(s, "/login") {
		return "/"
	}
	return s
}

func (s *Server) noAccounts(ctx context.Context) (bool, error) {
	as, err := s.signin.accounts.Accounts(ctx)
	return len(as) == 0, err
}

// preSession makes sure the visitor has a pre-session cookie to bind the
// form's CSRF token to, and returns the token.
func (s *Server) preSession(w nethttp.ResponseWriter, r *nethttp.Request) string {
	id := auth.PreSessionID(r)
	if id == "" {
		var c *nethttp.Cookie
		c, id = auth.NewPreSession(auth.IsTLS(r))
		nethttp.SetCookie(w, c)
	}
	return s.signin.csrf.Token(id)
}

type signinForm struct {
	Name, Display, Next, Error, CSRF string
}

func (s *Server) loginForm(w nethttp.ResponseWriter, r *nethttp.Request) {
	if none, err := s.noAccounts(r.Context()); err == nil && none {
		nethttp.Redirect(w, r, "/setup", nethttp.StatusSeeOther)
		return
	}
	f := signinForm{Next: safeNext(r.URL.Query().Get("next")), CSRF: s.preSession(w, r)}
	s.render(w, r, nethttp.StatusOK, "login", &page{Title: "登录", Nav: "login", Actor: actor{Name: "未登录"}}, f)
}

func (s *Server) loginSubmit(w nethttp.ResponseWriter, r *nethttp.Request) {
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("name"))
	f := signinForm{Name: name, Next: safeNext(r.PostFormValue("next")), CSRF: s.preSession(w, r)}
	acc, rehash, err := s.signin.login.Login(ctx, name, r.PostFormValue("password"), clientAddr(r))
	if err != nil {
		status := nethttp.StatusUnauthorized
		var te *auth.ThrottledError
		switch {
		case errors.As(err, &te):
			status = nethttp.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(time.Until(te.Until).Seconds()+0.5))))
		case luoshi.ErrorCode(err) == luoshi.EInternal || luoshi.ErrorCode(err) == "":
			s.fail(w, r, err)
			return
		}
		f.Error = userMessage(err)
		s.render(w, r, status, "login", &page{Title: "登录", Nav: "login", Actor: actor{Name: "未登录"}}, f)
		return
	}
	if rehash != "" {
		_ = s.signin.accounts.RehashPassword(ctx, acc.Name, acc.PasswordHash, rehash)
	}
	s.beginSession(w, r, acc.Name, f.Next)
}

func (s *Server) beginSession(w nethttp.ResponseWriter, r *nethttp.Request, account, next string) {
	token, sess, err := s.signin.sessions.Begin(r.Context(), account)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	nethttp.SetCookie(w, auth.SessionCookie(token, sess.Expires, auth.IsTLS(r)))
	nethttp.Redirect(w, r, next, nethttp.StatusSeeOther)
}

func (s *Server) logout(w nethttp.ResponseWriter, r *nethttp.Request) {
	if tok := auth.SessionToken(r); tok != "" {
		_ = s.signin.sessions.End(r.Context(), tok)
	}
	nethttp.SetCookie(w, auth.ClearSessionCookie(auth.IsTLS(r)))
	nethttp.Redirect(w, r, "/login", nethttp.StatusSeeOther)
}

// setupForm is the first-run page: it creates the first administrator and
// works only while no account exists.
func (s *Server) setupForm(w nethttp.ResponseWriter, r *nethttp.Request) {
	if none, err := s.noAccounts(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	} else if !none {
		s.fail(w, r, luoshi.Errorf(luoshi.ENotFound, "系统已有账号，首次设置页已关闭；请登录"))
		return
	}
	s.render(w, r, nethttp.StatusOK, "setup", &page{Title: "首次设置", Nav: "login", Actor: actor{Name: "未登录"}}, signinForm{CSRF: s.preSession(w, r)})
}

func (s *Server) setupSubmit(w nethttp.ResponseWriter, r *nethttp.Request) {
	ctx := r.Context()
	f := signinForm{Name: strings.TrimSpace(r.PostFormValue("name")), Display: strings.TrimSpace(r.PostFormValue("display")), CSRF: s.preSession(w, r)}
	pw := r.PostFormValue("password")
	err := auth.ValidateAccountName(f.Name)
	if err == nil && pw != r.PostFormValue("password2") {
		err = luoshi.Errorf(luoshi.EInvalid, "两次输入的密码不一致")
	}
	if err == nil {
		err = auth.ValidatePassword(pw, f.Name)
	}
	var hash string
	if err == nil {
		hash, err = s.signin.hasher.Hash(ctx, pw)
	}
	if err == nil {
		ctx = audit.WithWho(ctx, audit.Who{Actor: f.Name, Address: clientAddr(r)})
		err = s.signin.accounts.CreateFirstAdmin(ctx, auth.Account{Name: f.Name, DisplayName: f.Display, Role: auth.RoleAdmin, PasswordHash: hash})
	}
	if err != nil {
		if luoshi.ErrorCode(err) == luoshi.EInternal || luoshi.ErrorCode(err) == "" {
			s.fail(w, r, err)
			return
		}
		f.Error = userMessage(err)
		s.render(w, r, statusOf(err), "setup", &page{Title: "首次设置", Nav: "login", Actor: actor{Name: "未登录"}}, f)
		return
	}
	s.beginSession(w, r, f.Name, "/")
}
