// Package ocicli is the OCI runtime command-line interface of berth (berth runtime create|start|state|kill|delete|...), runc-compatible.
package ocicli
