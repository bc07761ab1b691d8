// Package filters parses the "filters" query parameter of the Docker Engine
// API: JSON {"key":{"value":true}} (or the legacy {"key":["value"]}).
package filters
