// Package filters holds the "filters" argument of list, prune and events
// requests (Args: a key and its values) and parses it from the Docker
// Engine API query parameter: JSON {"key":{"value":true}} (or the legacy
// {"key":["value"]}).
package filters
