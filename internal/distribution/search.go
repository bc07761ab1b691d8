package distribution

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/registry"
)

// Search asks a registry's v1 search API for the repositories matching
// term, as dockerd does: a term that starts with a host ("127.0.0.1:5000/
// app", "localhost/app") searches that registry, any other Docker Hub.
// At most limit results are asked for. A registry that cannot be reached
// or answers with an error fails the search (dockerd's 500).
func (s *Service) Search(ctx context.Context, term string, limit int) ([]registry.SearchResult, error) {
	host, query := "index.docker.io", term
	if i := strings.IndexByte(term, '/'); i > 0 && (strings.ContainsAny(term[:i], ".:") || term[:i] == "localhost") {
		host, query = term[:i], term[i+1:]
	}
	rt, err := s.baseTransport(host)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: rt, Timeout: 30 * time.Second}
	schemes := []string{"https"}
	if s.insecure(host) {
		schemes = append(schemes, "http")
	}
	var lastErr error
	for _, scheme := range schemes {
		u := url.URL{Scheme: scheme, Host: host, Path: "/v1/search",
			RawQuery: url.Values{"q": {query}, "n": {strconv.Itoa(limit)}}.Encode()}
		res, err := searchAt(ctx, hc, u.String())
		if err == nil {
			return res, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func searchAt(ctx context.Context, hc *http.Client, u string) ([]registry.SearchResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("Unexpected status code %d", resp.StatusCode) //nolint:staticcheck // dockerd's wording
	}
	var out registry.SearchResults
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("decode search results of %s: %w", u, err)
	}
	if out.Results == nil {
		out.Results = []registry.SearchResult{}
	}
	return out.Results, nil
}
