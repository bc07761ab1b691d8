package dockerfile

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lookupOwner resolves a --chown value ("user[:group]", names or
// numbers) against the image's /etc/passwd and /etc/group. A user without
// a group uses the user's numeric ID as the group ID, as Docker does.
func lookupOwner(root, spec string) (int, int, error) {
	user, group, hasGroup := strings.Cut(spec, ":")
	uid, err := lookupID(root, "etc/passwd", user)
	if err != nil {
		return 0, 0, fmt.Errorf("unable to convert uid/gid chown string to host mapping: %w", err)
	}
	gid := uid
	if hasGroup {
		if gid, err = lookupID(root, "etc/group", group); err != nil {
			return 0, 0, fmt.Errorf("unable to convert uid/gid chown string to host mapping: %w", err)
		}
	}
	return uid, gid, nil
}

func lookupID(root, file, name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("invalid ID %s", name)
		}
		return n, nil
	}
	p, err := resolve(root, file, true)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, fmt.Errorf("no such user or group %q: %w", name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) >= 3 && fields[0] == name {
			return strconv.Atoi(fields[2])
		}
	}
	kind := "user"
	if filepath.Base(file) == "group" {
		kind = "group"
	}
	return 0, fmt.Errorf("no such %s: %s", kind, name)
}

func statOwner(fi fs.FileInfo) ([2]uint32, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return [2]uint32{}, false
	}
	return [2]uint32{st.Uid, st.Gid}, true
}
