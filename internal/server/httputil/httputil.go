// Package httputil holds small helpers shared by the API routers: JSON
// encoding, form values as Docker's API sends them.
package httputil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/errdefs"
)

// WriteJSON writes v as JSON with the given status code.
func WriteJSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	return json.NewEncoder(w).Encode(v)
}

// Answer ends a handler with its backend call's outcome: err if there is
// one, else v as JSON with code.
func Answer(w http.ResponseWriter, code int, v any, err error) error {
	if err != nil {
		return err
	}
	return WriteJSON(w, code, v)
}

// AnswerStatus ends a handler whose backend call answers no body: err if
// there is one, else code alone.
func AnswerStatus(w http.ResponseWriter, code int, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(code)
	return nil
}

// ReadJSON decodes the request body into v; an empty body (none, or
// nothing before its end) leaves v unchanged, as Docker takes it. A
// malformed or truncated one is errdefs.InvalidParameter.
func ReadJSON(r *http.Request, v any) error {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return errdefs.InvalidParameter(fmt.Errorf("invalid JSON: %w", err))
	}
	return nil
}

// Filters parses the request's "filters" form value; with accepted given,
// a key not among them is refused with Docker's message. Errors are
// errdefs.InvalidParameter.
func Filters(r *http.Request, accepted ...string) (filters.Args, error) {
	f, err := filters.Parse(r.FormValue("filters"))
	if err != nil || len(accepted) == 0 {
		return f, err
	}
	return f, f.Validate(accepted...)
}

// Prune ends a prune handler: prune runs with the request's filters
// (checked against accepted when given; as filters.Args or a plain map),
// and its report is the answer.
func Prune[F ~map[string][]string, T any](w http.ResponseWriter, r *http.Request, prune func(context.Context, F) (T, error), accepted ...string) error {
	f, err := Filters(r, accepted...)
	if err != nil {
		return err
	}
	rep, err := prune(r.Context(), F(f))
	return Answer(w, http.StatusOK, rep, err)
}

// BoolValue reports whether the form value k is set to a true value, as
// Docker's API accepts them ("1", "true", "True").
func BoolValue(r *http.Request, k string) bool {
	s := r.FormValue(k)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	return err == nil && b || s == "1"
}

// Int64Value parses the form value k, returning def when it is absent.
func Int64Value(r *http.Request, k string, def int64) (int64, error) {
	s := r.FormValue(k)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errdefs.InvalidParameter(fmt.Errorf("invalid value for %s: %q", k, s))
	}
	return v, nil
}

// WithFields returns v as a JSON object with the fields of add that v
// lacks (older API versions' fields that the current types dropped). If v
// does not marshal to an object, v is returned as it is.
func WithFields(v any, add map[string]any) any {
	m, ok := Object(v)
	if !ok {
		return v
	}
	for k, x := range add {
		if _, ok := m[k]; ok {
			continue
		}
		var err error
		if m[k], err = json.Marshal(x); err != nil {
			return v
		}
	}
	return m
}

// Object returns the fields of v marshalled as a JSON object, for an
// answer to older API versions to add, drop or rewrite some; false when v
// does not marshal to an object.
func Object(v any) (map[string]json.RawMessage, bool) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// TerminalSize reads the h and w form values of a resize (0 when absent).
func TerminalSize(r *http.Request) (h, w int64, err error) {
	if h, err = Int64Value(r, "h", 0); err != nil {
		return 0, 0, err
	}
	w, err = Int64Value(r, "w", 0)
	return h, w, err
}

// List returns s, or an empty list when s is nil: Docker's answers hold []
// where a list is empty, never null.
func List[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
