// Package oci generates the OCI runtime spec of a container from its config,
// its image, its mounts and its namespaces: pure functions over data.
package oci
