// Package depcheck holds only a test: it enforces the import rules of
// DESIGN.md ("one package, one job; arrows point one way") with go list.
package depcheck
