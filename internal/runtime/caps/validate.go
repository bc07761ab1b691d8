package caps

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Validate checks that every name in every set of c is a known capability.
// A nil c is valid (no capabilities). Errors name the set, for example
// "process.capabilities.bounding: unknown capability CAP_FOO".
func Validate(c *specs.LinuxCapabilities) error {
	if c == nil {
		return nil
	}
	var errs []error
	for _, set := range sets(c) {
		for _, name := range set.names {
			if _, err := Parse(name); err != nil {
				errs = append(errs, fmt.Errorf("process.capabilities.%s: %w", set.field, err))
			}
		}
	}
	return errors.Join(errs...) // nil when there is none
}

type namedSet struct {
	field string
	names []string
}

func sets(c *specs.LinuxCapabilities) []namedSet {
	return []namedSet{
		{"bounding", c.Bounding},
		{"effective", c.Effective},
		{"permitted", c.Permitted},
		{"inheritable", c.Inheritable},
		{"ambient", c.Ambient},
	}
}

// mask returns the bit mask of names; names must have passed Validate.
func mask(names []string) (uint64, error) {
	var m uint64
	for _, name := range names {
		n, err := Parse(name)
		if err != nil {
			return 0, err
		}
		m |= 1 << uint(n)
	}
	return m, nil
}
