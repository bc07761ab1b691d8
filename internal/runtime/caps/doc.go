// Package caps validates and applies the capability sets of an OCI process
// (process.capabilities): bounding, effective, permitted, inheritable and
// ambient.
package caps
