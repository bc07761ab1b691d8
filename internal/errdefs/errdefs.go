package errdefs

import "errors"

// Category sentinels. Wrap them with fmt.Errorf("...: %w", errdefs.ErrNotFound)
// or use the helper constructors below.
var (
	ErrNotFound         = errors.New("not found")
	ErrConflict         = errors.New("conflict")
	ErrInvalidParameter = errors.New("invalid parameter")
	ErrUnavailable      = errors.New("unavailable")
	ErrForbidden        = errors.New("forbidden")
	ErrUnauthorized     = errors.New("unauthorized")
	ErrNotModified      = errors.New("not modified")
	ErrNotImplemented   = errors.New("not implemented")
)

type categorized struct {
	msg string
	cat error
	err error
}

func (e *categorized) Error() string { return e.msg }

func (e *categorized) Unwrap() []error {
	if e.err != nil {
		return []error{e.cat, e.err}
	}
	return []error{e.cat}
}

func wrap(cat error, err error) error {
	if err == nil {
		return nil
	}
	return &categorized{msg: err.Error(), cat: cat, err: err}
}

// NotFound marks err as a not-found error; its message is unchanged.
func NotFound(err error) error { return wrap(ErrNotFound, err) }

// Conflict marks err as a conflict error.
func Conflict(err error) error { return wrap(ErrConflict, err) }

// InvalidParameter marks err as an invalid-parameter error.
func InvalidParameter(err error) error { return wrap(ErrInvalidParameter, err) }

// Unavailable marks err as an unavailable error.
func Unavailable(err error) error { return wrap(ErrUnavailable, err) }

// Forbidden marks err as a forbidden error.
func Forbidden(err error) error { return wrap(ErrForbidden, err) }

// Unauthorized marks err as an authentication failure (wrong or missing
// credentials).
func Unauthorized(err error) error { return wrap(ErrUnauthorized, err) }

// NotModified marks err as a not-modified error.
func NotModified(err error) error { return wrap(ErrNotModified, err) }

// NotImplemented marks err as a not-implemented error.
func NotImplemented(err error) error { return wrap(ErrNotImplemented, err) }

// IsNotFound reports whether err is in the not-found category.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsConflict reports whether err is in the conflict category.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// IsInvalidParameter reports whether err is in the invalid-parameter category.
func IsInvalidParameter(err error) bool { return errors.Is(err, ErrInvalidParameter) }
