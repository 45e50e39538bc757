package auth

import "context"

type principalKey struct{}

// WithPrincipal returns ctx carrying p: the web layer puts the signed-in
// account's (or API token's) Principal in each request's context, and the
// store reads it there and applies its scope to every query and write
// (package sqlstore), so that a handler that forgets a check still cannot
// read or write another unit's data.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the Principal ctx carries, and false when it
// carries none (the program itself: commands, background scans).
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
