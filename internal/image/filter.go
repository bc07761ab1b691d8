package image

import (
	"fmt"
	"strings"
	"time"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/reference"
)

// Filters are the decoded filters query parameter: name → values.
type Filters map[string][]string

// listFilters are the filter names docker images accepts.
var listFilters = map[string]bool{"dangling": true, "reference": true, "label": true, "before": true, "since": true, "until": true}

// Validate rejects unknown filter names and bad values, as Docker does.
func (f Filters) Validate(allowed ...string) error {
	ok := listFilters
	if len(allowed) > 0 {
		ok = map[string]bool{}
		for _, a := range allowed {
			ok[a] = true
		}
	}
	for k, vs := range f {
		if !ok[k] {
			return errdefs.InvalidParameter(fmt.Errorf("Invalid filter '%s'", k))
		}
		if k == "dangling" {
			for _, v := range vs {
				if v != "true" && v != "false" && v != "1" && v != "0" {
					return errdefs.InvalidParameter(fmt.Errorf("Invalid filter 'dangling=[%s]'", v))
				}
			}
		}
		if k == "until" {
			for _, v := range vs {
				if _, err := ParseUntil(v, time.Now()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Matcher decides whether an image passes the filters. resolve finds the
// images named by before= and since=.
type Matcher struct {
	f       Filters
	before  *time.Time
	since   *time.Time
	until   *time.Time
	dangle  *bool
	exclude map[string]bool
}

// createdOf resolves the images named and returns the creation time of the
// last (nil when none is named).
func createdOf(names []string, resolve func(string) (*Image, error)) (*time.Time, error) {
	var created *time.Time
	for _, v := range names {
		img, err := resolve(v)
		if err != nil {
			return nil, err
		}
		t := img.Created
		created = &t
	}
	return created, nil
}

// NewMatcher prepares the filters; resolve looks up before/since images.
func NewMatcher(f Filters, resolve func(string) (*Image, error)) (*Matcher, error) {
	m := &Matcher{f: f}
	for _, v := range f["dangling"] {
		b := v == "true" || v == "1"
		m.dangle = &b
	}
	var err error
	if m.before, err = createdOf(f["before"], resolve); err != nil {
		return nil, err
	}
	if m.since, err = createdOf(f["since"], resolve); err != nil {
		return nil, err
	}
	for _, v := range f["until"] {
		t, err := ParseUntil(v, time.Now())
		if err != nil {
			return nil, err
		}
		m.until = &t
	}
	return m, nil
}

// Match reports whether img passes every filter.
func (m *Matcher) Match(img *Image) bool {
	if m.dangle != nil && *m.dangle != (len(img.RepoTags) == 0) {
		return false
	}
	if m.before != nil && !img.Created.Before(*m.before) {
		return false
	}
	if m.since != nil && !img.Created.After(*m.since) {
		return false
	}
	if m.until != nil && !img.Created.Before(*m.until) {
		return false
	}
	if pats := m.f["reference"]; len(pats) > 0 {
		ok := false
		for _, p := range pats {
			for _, t := range img.RepoTags {
				if reference.Match(p, t) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	for _, l := range m.f["label"] {
		k, v, hasV := strings.Cut(l, "=")
		got, ok := img.Config.Config.Labels[k]
		if !ok || hasV && got != v {
			return false
		}
	}
	return true
}

// Tags returns the tags of img that the reference filters select: all of
// them without a reference filter. As dockerd, a list filtered by reference
// shows only the matching tags of an image.
func (m *Matcher) Tags(img *Image) []string {
	pats := m.f["reference"]
	if len(pats) == 0 {
		return img.RepoTags
	}
	var out []string
	for _, t := range img.RepoTags {
		for _, p := range pats {
			if reference.Match(p, t) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// ParseUntil parses an until= value: a Go duration before now, a Unix
// timestamp, or an RFC 3339 date/time.
func ParseUntil(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	var sec, nsec int64
	if n, _ := fmt.Sscanf(v, "%d.%d", &sec, &nsec); n >= 1 && !strings.ContainsAny(v, "-:T") {
		return time.Unix(sec, nsec), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errdefs.InvalidParameter(fmt.Errorf("Invalid filter 'until=[%s]'", v))
}
