// Package caps validates and applies the capability sets of an OCI process
// (process.capabilities): bounding, effective, permitted, inheritable and
// ambient; it names the capabilities and keeps of a set only those this
// process may grant (Available).
package caps
