// Package auth holds the building blocks of accounts and access: argon2id
// password hashes, session and API tokens (only their SHA-256 is stored),
// CSRF tokens bound to a session, login throttling per account and per
// address, roles and the Principal whose checks the store's queries and the
// web layer apply, and cookie settings. It does no I/O of its own: keys,
// clocks and parameters are passed in, and the store plugs in behind the
// small interfaces SessionStore and AccountLookup.
//
// # How the pieces fit
//
// Package auth/sqlauth is the SQL side: tables, SessionStore and
// AccountLookup, accounts and API tokens with every change audited.
//
// The store keeps accounts (Account, the password as HashPassword's PHC
// string), sessions (Session, keyed by ID = SHA-256 of the token) and API
// tokens (APIToken, keyed by Hash), implements SessionStore and
// AccountLookup over them, and filters every query by the caller's
// Principal.ReadScope (all units, or exactly the listed ones: an empty list
// selects nothing). Writes check CanWrite or CanApprove on the unit of the
// object they change, inside the store, not only in the handlers.
//
// The web layer:
//
//   - login: Authenticator.Login(name, password, address); on success
//     Sessions.Begin, SessionCookie (Secure and __Host- under TLS); store
//     the rehash it returns, if any; a *ThrottledError becomes 429 with
//     Retry-After.
//   - each request: SessionToken, Sessions.Resolve, the account's Principal.
//   - each form: a hidden field "csrf" = CSRF.Token(session.ID) (or the
//     X-CSRF-Token header from scripts), checked on every unsafe request by
//     CSRF.Protect, which also applies http.CrossOriginProtection; the
//     login form binds to NewPreSession's ID.
//   - password change: ValidatePassword, Hasher.Hash, then
//     Sessions.PasswordChanged(account, current session ID); an
//     administrator's reset passes "" and ends every session.
//   - API: "Authorization: Bearer lst_…", APITokenHash, the stored
//     APIToken's Usable, then its Principal.
package auth
