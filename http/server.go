// Package http is luoshi's web application: server-rendered pages in
// Simplified Chinese over a luoshi.Store — the cockpit (驾驶舱), the task
// list and task pages, progress reporting and review (填报/审核), alerts
// (预警), units and regions, and the import and review of a new report.
//
// It follows Miniflux's shape: the standard library's ServeMux with method
// patterns, one file per handler, templates and assets embedded and parsed
// at start-up (a broken template stops New, not a request). Pages work
// without JavaScript; charts are SVG drawn by Go.
package http

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	nethttp "net/http"
	"time"

	"luoshi"
	"luoshi/audit"
	"luoshi/catalog"
	"luoshi/monitor"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what a Server needs; nothing is read from globals.
type Config struct {
	Addr    string
	Store   luoshi.Store
	Catalog *catalog.Catalog
	// Now is the clock; time.Now when nil. Tests and the demo pin it.
	Now func() time.Time
	// Monitor holds the thresholds of the judgement; monitor.DefaultConfig
	// when zero.
	Monitor monitor.Config
	// Demo marks every page that shows data as 演示数据.
	Demo bool
	// DraftDir keeps imported reports under review until they are
	// published; drafts live in memory only when it is empty.
	DraftDir string
	// MaxUpload bounds an uploaded report, in bytes; 16 MiB when zero.
	MaxUpload int64
	// ViewTTL is how long a judged plan is reused by later requests; its
	// own writes drop it at once, other instances' writes show within the
	// TTL. Zero judges every request afresh.
	ViewTTL time.Duration
	Logger  *slog.Logger
	// TemplateKey signs the Excel reporting templates (填报模板); the
	// template download and upload are refused while it is empty.
	TemplateKey []byte
	// API, if not nil, serves /api/ (package api: the system API).
	API nethttp.Handler
	// Inbox, if not nil, holds the reminders shown on /inbox.
	Inbox InboxReader
	// Accounts, if not nil, turns sign-in on (see signin.go): every page
	// asks for an account, whose principal scopes the store.
	Accounts Accounts
	// CSRFKey (at least 32 bytes) binds the forms' CSRF tokens to
	// sessions; a random key when empty (then one instance only).
	CSRFKey []byte
	// Audit, if not nil, is the audit trail the administrators' /audit
	// page lists.
	Audit *audit.Log
	// TLSCert and TLSKey, if set, make ListenAndServe serve HTTPS.
	TLSCert, TLSKey string
}

// Server is the web application.
type Server struct {
	cfg    Config
	pages  map[string]*template.Template
	mux    *nethttp.ServeMux
	drafts *drafts
	views  viewCache
	signin *signin // nil without Config.Accounts
}

// New checks the configuration, parses every template and returns a
// server ready to handle requests.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("http: a store is required")
	}
	if cfg.Catalog == nil {
		cfg.Catalog = catalog.Sichuan()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Monitor == (monitor.Config{}) {
		cfg.Monitor = monitor.DefaultConfig()
	}
	if err := cfg.Monitor.Validate(); err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 16 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	d, err := newDrafts(cfg.DraftDir)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, pages: pages, drafts: d}
	if s.signin, err = newSignin(cfg); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// parseTemplates parses the layout with each page template.
func parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := n[len("templates/") : len(n)-len(".html")]
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("http: template %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

func (s *Server) routes() {
	m := nethttp.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", nethttp.StripPrefix("/static/", cacheStatic(nethttp.FileServerFS(static))))
	m.HandleFunc("GET /{$}", s.cockpit)
	m.HandleFunc("GET /tasks", s.tasks)
	m.HandleFunc("GET /tasks.xlsx", s.tasksExport)
	m.HandleFunc("GET /tasks/{id}", s.task)
	m.HandleFunc("GET /units", s.units)
	m.HandleFunc("GET /units/{code}", s.unit)
	m.HandleFunc("GET /regions", s.regions)
	m.HandleFunc("GET /report", s.reportForm)
	m.HandleFunc("POST /report", s.reportSave)
	m.HandleFunc("GET /review", s.reviewList)
	m.HandleFunc("POST /review/{id}", s.reviewSave)
	m.HandleFunc("GET /alerts", s.alerts)
	m.HandleFunc("POST /alerts/{id}/ack", s.alertAck)
	m.HandleFunc("GET /import", s.importForm)
	m.HandleFunc("POST /import", s.importUpload)
	m.HandleFunc("GET /import/{draft}", s.draftReview)
	m.HandleFunc("POST /import/{draft}/commitments/{cid}", s.draftEdit)
	m.HandleFunc("POST /import/{draft}/publish", s.draftPublish)
	m.HandleFunc("POST /import/{draft}/discard", s.draftDiscard)
	wb := newWorkbooks(s)
	m.HandleFunc("GET /report/template.xlsx", wb.template)
	m.HandleFunc("GET /report/upload", wb.form)
	m.HandleFunc("POST /report/upload", wb.upload)
	m.HandleFunc("GET /report/upload/{id}", wb.marked)
	m.HandleFunc("GET /burden", s.burden)
	m.HandleFunc("GET /indicators", s.indicators)
	m.HandleFunc("POST /indicators", s.indicatorCreate)
	m.HandleFunc("GET /indicators/{code}", s.indicator)
	m.HandleFunc("POST /indicators/{code}", s.indicatorEdit)
	m.HandleFunc("POST /indicators/{code}/bind", s.indicatorBind)
	m.HandleFunc("POST /indicators/{code}/unbind", s.indicatorUnbind)
	m.HandleFunc("GET /inbox", s.inbox)
	m.HandleFunc("GET /as", s.actAsForm)
	m.HandleFunc("POST /as", s.actAs)
	if s.cfg.API != nil {
		m.Handle("/api/", s.cfg.API)
	}
	m.HandleFunc("GET /public/{id}", s.publicPage)
	m.HandleFunc("POST /public/{id}", s.publicSet)
	if s.signin != nil {
		m.HandleFunc("GET /login", s.loginForm)
		m.HandleFunc("POST /login", s.loginSubmit)
		m.HandleFunc("POST /logout", s.logout)
		m.HandleFunc("GET /setup", s.setupForm)
		m.HandleFunc("POST /setup", s.setupSubmit)
		m.HandleFunc("GET /audit", s.auditLog)
	}
	m.HandleFunc("GET /healthz", func(w nethttp.ResponseWriter, r *nethttp.Request) { w.Write([]byte("ok\n")) })
	s.mux = m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w nethttp.ResponseWriter, r *nethttp.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("Referrer-Policy", "same-origin")
	if s.signin != nil {
		s.signin.guard(s.mux).ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// ListenAndServe serves on cfg.Addr until ctx ends, then shuts down
// gracefully. ready, if not nil, is called with the bound address.
func (s *Server) ListenAndServe(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	srv := &nethttp.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLSCert != "" || s.cfg.TLSKey != "" {
			errc <- srv.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

func cacheStatic(h nethttp.Handler) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
