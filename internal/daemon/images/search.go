package images

import (
	"context"
	"fmt"
	"strconv"

	"github.com/moby/moby/api/types/registry"

	"github.com/berth/berth/internal/errdefs"
)

// ImageSearch implements docker search: the registry that term names is
// asked (see distribution.Search), and its results are filtered by stars,
// is-official and is-automated.
func (s *Service) ImageSearch(ctx context.Context, term string, limit int, filters map[string][]string) ([]registry.SearchResult, error) {
	if limit == 0 {
		limit = 25
	}
	if limit < 1 || limit > 100 {
		return nil, errdefs.InvalidParameter(fmt.Errorf("limit %d is outside the range of [1, 100]", limit))
	}
	keep, err := searchFilter(filters)
	if err != nil {
		return nil, err
	}
	res, err := s.dist.Search(ctx, term, limit)
	if err != nil {
		return nil, err
	}
	out := []registry.SearchResult{}
	for _, r := range res {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// searchFilter turns search's filters into a predicate, refusing unknown
// filters and malformed values as dockerd does.
func searchFilter(filters map[string][]string) (func(registry.SearchResult) bool, error) {
	minStars := 0
	official, automated := "", ""
	for k, vs := range filters {
		for _, v := range vs {
			switch k {
			case "stars":
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filter 'stars=%s'", v))
				}
				minStars = max(minStars, n)
			case "is-official", "is-automated":
				if _, err := strconv.ParseBool(v); err != nil {
					return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filter '%s=%s'", k, v))
				}
				if k == "is-official" {
					official = v
				} else {
					automated = v
				}
			default:
				return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filter '%s'", k))
			}
		}
	}
	return func(r registry.SearchResult) bool {
		if r.StarCount < minStars {
			return false
		}
		if b, err := strconv.ParseBool(official); err == nil && r.IsOfficial != b {
			return false
		}
		if b, err := strconv.ParseBool(automated); err == nil && r.IsAutomated != b {
			return false
		}
		return true
	}, nil
}
