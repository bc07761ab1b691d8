// Package compose is berth's compose engine: a project loaded from compose
// files (compose-go) made into networks, volumes and containers through
// the Docker Engine API, named and labelled as docker compose does so that
// either tool sees the other's projects.
package compose
