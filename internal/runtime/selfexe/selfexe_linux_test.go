package selfexe

import (
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/berth/berth/internal/testutil"
	"golang.org/x/sys/unix"
)

// TestSealedSelfCannotBeWritten: the handle processes entering a container
// run from refuses every way of writing, including reopening it through
// /proc (CVE-2019-5736).
func TestSealedSelfCannotBeWritten(t *testing.T) {
	testutil.RequireRoot(t)
	for name, get := range map[string]func() (*os.File, error){"readonly bind": readonlySelf, "memfd": memfdSelf} {
		f, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
		for _, flag := range []int{unix.O_WRONLY, unix.O_RDWR, unix.O_WRONLY | unix.O_TRUNC} {
			fd, err := unix.Open(p, flag|unix.O_CLOEXEC, 0)
			if err == nil {
				// a sealed memfd opens, but refuses the write itself.
				_, werr := unix.Write(fd, []byte("x"))
				unix.Close(fd)
				if werr == nil {
					t.Errorf("%s: wrote after reopening with flags %#x", name, flag)
				}
				continue
			}
			if !errors.Is(err, unix.EROFS) && !errors.Is(err, unix.ETXTBSY) && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EACCES) {
				t.Errorf("%s: unexpected error %v", name, err)
			}
		}
		if _, err := unix.Write(int(f.Fd()), []byte("x")); err == nil {
			t.Errorf("%s: wrote through the handle", name)
		}
		f.Close()
	}
}
