package http

import (
	"errors"
	nethttp "net/http"

	"luoshi"
	"luoshi/httperr"
)

// statusOf maps an error to its HTTP status (package httperr holds the
// mapping the pages and the API share).
func statusOf(err error) int { return httperr.Status(err) }

// userMessage returns what a user may read about err: the message of a
// luoshi error, a generic sentence for anything internal.
func userMessage(err error) string {
	var e *luoshi.Error
	if errors.As(err, &e) && e.Code != luoshi.EInternal {
		return e.Message
	}
	return "服务器内部错误，请稍后重试；如果问题持续，请联系系统管理员。"
}

var statusTitle = map[int]string{
	nethttp.StatusBadRequest:          "请求有误",
	nethttp.StatusNotFound:            "未找到",
	nethttp.StatusForbidden:           "无权访问",
	nethttp.StatusConflict:            "操作冲突",
	nethttp.StatusInternalServerError: "服务器错误",
}

// fail renders an error page with the status err maps to, and logs
// internal errors.
func (s *Server) fail(w nethttp.ResponseWriter, r *nethttp.Request, err error) {
	code := statusOf(err)
	if code == nethttp.StatusInternalServerError {
		s.cfg.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	s.render(w, r, code, "error", &page{Title: statusTitle[code]}, map[string]any{"Status": code, "Title": statusTitle[code], "Message": userMessage(err)})
}

// notFound is a luoshi ENotFound error.
func notFound(format string, args ...any) error {
	return luoshi.Errorf(luoshi.ENotFound, format, args...)
}
