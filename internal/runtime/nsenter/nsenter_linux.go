package nsenter

/*
#cgo CFLAGS: -Wall
extern void berth_nsenter(void);
void __attribute__((constructor)) berth_nsenter_init(void) {
	berth_nsenter();
}
*/
import "C"
