// Package errdefs defines the error categories of berth (not found, conflict,
// invalid parameter, ...). Errors carry their category through %w wrapping;
// internal/server maps categories to HTTP status codes in exactly one place.
package errdefs
