// Package archive reads and writes tar layers, converting overlayfs whiteouts
// and opaque directories to and from the OCI/AUFS whiteout files, and guards
// every extracted path against escapes.
package archive
