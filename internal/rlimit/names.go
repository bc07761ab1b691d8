package rlimit

import "strings"

// OCIName returns the OCI name of a --ulimit name ("nofile", in any case):
// "RLIMIT_NOFILE".
func OCIName(ulimit string) string { return "RLIMIT_" + strings.ToUpper(ulimit) }
