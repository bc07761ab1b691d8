package nsenter

/*
#cgo CFLAGS: -Wall
extern void berth_nsenter(void);
extern unsigned long long berth_orig_nofile(int *ok);
void __attribute__((constructor)) berth_nsenter_init(void) {
	berth_nsenter();
}
*/
import "C"

// OrigNofile returns the soft RLIMIT_NOFILE the process started with, read
// before the Go runtime raised it to the hard limit.
func OrigNofile() (uint64, bool) {
	var ok C.int
	v := C.berth_orig_nofile(&ok)
	return uint64(v), ok != 0
}
