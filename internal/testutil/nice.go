package testutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// NiceInStat returns the nice value (field 19) in the text of a
// /proc/PID/stat.
func NiceInStat(stat string) (int, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("not a stat line: %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 17 {
		return 0, fmt.Errorf("not a stat line: %q", stat)
	}
	return strconv.Atoi(f[16])
}

// ThreadNices returns the nice value of each thread of pid, by thread id;
// a thread that ends meanwhile is left out.
func ThreadNices(pid int) (map[string]int, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	nices := map[string]int{}
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if nices[task.Name()], err = NiceInStat(string(b)); err != nil {
			return nil, err
		}
	}
	return nices, nil
}
