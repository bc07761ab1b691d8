// Package depcheck holds only a test: every package of the module must have
// its row in the table of ARCHITECTURE.md, and import only what that row
// allows (other berth packages; for the runtime, the API server and the CLI,
// third-party modules too). The table is the design; this test keeps the
// code to it.
package depcheck
