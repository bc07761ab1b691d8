package oci

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// User is a resolved container user.
type User struct {
	UID, GID       uint32
	AdditionalGids []uint32
	Home           string
}

type passwdEntry struct {
	name     string
	uid, gid uint32
	home     string
}

type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// colonLines calls fn with the fields of each line of r (nil: none) that
// has at least min colon-separated fields and is not a comment.
func colonLines(r io.Reader, min int, fn func(f []string)) {
	if r == nil {
		return
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if f := strings.Split(sc.Text(), ":"); len(f) >= min && !strings.HasPrefix(f[0], "#") {
			fn(f)
		}
	}
}

func parsePasswd(r io.Reader) []passwdEntry {
	var out []passwdEntry
	colonLines(r, 6, func(f []string) {
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 == nil && err2 == nil {
			out = append(out, passwdEntry{name: f[0], uid: uint32(uid), gid: uint32(gid), home: f[5]})
		}
	})
	return out
}

func parseGroup(r io.Reader) []groupEntry {
	var out []groupEntry
	colonLines(r, 3, func(f []string) {
		gid, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return
		}
		g := groupEntry{name: f[0], gid: uint32(gid)}
		if len(f) > 3 && f[3] != "" {
			g.members = strings.Split(f[3], ",")
		}
		out = append(out, g)
	})
	return out
}

// ResolveUser resolves Docker's user spec ("", "name", "uid", "name:group",
// "uid:gid") against the image's /etc/passwd and /etc/group contents (nil
// readers when the files are missing), with supplementary groups from
// group membership and the extra groups of --group-add, the primary group
// first.
func ResolveUser(spec string, passwd, group io.Reader, groupAdd []string) (User, error) {
	users := parsePasswd(passwd)
	groups := parseGroup(group)
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	if userPart == "" {
		userPart = "0"
	}
	u := User{Home: "/"}
	var name string
	if n, err := strconv.ParseUint(userPart, 10, 32); err == nil {
		u.UID = uint32(n)
		for _, e := range users {
			if e.uid == u.UID {
				u.GID, u.Home, name = e.gid, e.home, e.name
				break
			}
		}
	} else {
		found := false
		for _, e := range users {
			if e.name == userPart {
				u.UID, u.GID, u.Home, name, found = e.uid, e.gid, e.home, e.name, true
				break
			}
		}
		if !found {
			return User{}, fmt.Errorf("unable to find user %s: no matching entries in passwd file", userPart)
		}
	}
	if hasGroup && groupPart != "" {
		gid, err := lookupGroup(groupPart, groups)
		if err != nil {
			return User{}, err
		}
		u.GID = gid
	}
	// The primary group is also a supplementary one, as dockerd sets it
	// since CVE-2022-36109: otherwise a process could drop it with
	// setgroups and escape a "negative" group permission (---rwx on g).
	u.AdditionalGids = []uint32{u.GID}
	if !(hasGroup && groupPart != "") && name != "" {
		for _, g := range groups {
			for _, m := range g.members {
				if m == name && g.gid != u.GID {
					u.AdditionalGids = append(u.AdditionalGids, g.gid)
				}
			}
		}
	}
	for _, ga := range groupAdd {
		gid, err := lookupGroup(ga, groups)
		if err != nil {
			return User{}, err
		}
		u.AdditionalGids = append(u.AdditionalGids, gid)
	}
	return u, nil
}

func lookupGroup(s string, groups []groupEntry) (uint32, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(n), nil
	}
	for _, g := range groups {
		if g.name == s {
			return g.gid, nil
		}
	}
	return 0, fmt.Errorf("unable to find group %s: no matching entries in group file", s)
}
