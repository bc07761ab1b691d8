package opts

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
)

// ParseMemory parses a memory amount like "512m" or "1g" ("" is 0).
func ParseMemory(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := units.RAMInBytes(s)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ParseMemorySwap parses --memory-swap, where "-1" means unlimited.
func ParseMemorySwap(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	return ParseMemory(s)
}

// ParseCPUs parses --cpus ("1.5") into nano CPUs.
func ParseCPUs(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("failed to parse %v as a rational number", s)
	}
	nano := r.Mul(r, big.NewRat(1e9, 1))
	if !nano.IsInt() {
		return 0, fmt.Errorf("value is too precise")
	}
	return nano.Num().Int64(), nil
}

// ParseRestartPolicy parses --restart: no, always, unless-stopped,
// on-failure[:max-retries].
func ParseRestartPolicy(s string) (container.RestartPolicy, error) {
	var p container.RestartPolicy
	if s == "" {
		return p, nil
	}
	name, count, hasCount := strings.Cut(s, ":")
	p.Name = container.RestartPolicyMode(name)
	switch p.Name {
	case container.RestartPolicyDisabled, container.RestartPolicyAlways, container.RestartPolicyUnlessStopped:
		if hasCount {
			return p, fmt.Errorf("invalid restart policy format: maximum retry count can only be used with 'on-failure'")
		}
	case container.RestartPolicyOnFailure:
		if hasCount {
			n, err := strconv.Atoi(count)
			if err != nil {
				return p, fmt.Errorf("invalid restart policy format: maximum retry count must be an integer")
			}
			p.MaximumRetryCount = n
		}
	default:
		return p, fmt.Errorf("invalid restart policy format: unknown policy '%s'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'", name)
	}
	return p, nil
}

// ParseUlimit parses --ulimit name=soft[:hard].
func ParseUlimit(s string) (*container.Ulimit, error) {
	u, err := units.ParseUlimit(s)
	if err != nil {
		return nil, err
	}
	return &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard}, nil
}
