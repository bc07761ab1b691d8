package container_test

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
)

func TestBadFlagValuesAreFlagErrors(t *testing.T) {
	f := clitest.New(t)
	for args, want := range map[string]string{
		"-m lots":       `invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'`,
		"--cpus x":      `invalid argument "x" for "--cpus" flag: failed to parse x as a rational number`,
		"--shm-size 1q": `invalid argument "1q" for "--shm-size" flag: invalid suffix: 'q'`,
	} {
		_, errOut, code := f.Run("", append(append([]string{"run"}, strings.Fields(args)...), "busybox")...)
		if code != 125 || !strings.HasPrefix(errOut, want+"\nSee 'berth run --help'.") {
			t.Errorf("%s: exit %d stderr %q", args, code, errOut)
		}
	}
}
