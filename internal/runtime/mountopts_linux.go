package runtime

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

type mountFlag struct {
	clear bool
	flag  uintptr
}

var mountFlags = map[string]mountFlag{
	"async": {true, unix.MS_SYNCHRONOUS}, "atime": {true, unix.MS_NOATIME}, "bind": {false, unix.MS_BIND},
	"defaults": {false, 0}, "dev": {true, unix.MS_NODEV}, "diratime": {true, unix.MS_NODIRATIME},
	"dirsync": {false, unix.MS_DIRSYNC}, "exec": {true, unix.MS_NOEXEC}, "mand": {false, unix.MS_MANDLOCK},
	"noatime": {false, unix.MS_NOATIME}, "nodev": {false, unix.MS_NODEV}, "nodiratime": {false, unix.MS_NODIRATIME},
	"noexec": {false, unix.MS_NOEXEC}, "nomand": {true, unix.MS_MANDLOCK}, "norelatime": {true, unix.MS_RELATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME}, "nosuid": {false, unix.MS_NOSUID}, "rbind": {false, unix.MS_BIND | unix.MS_REC},
	"relatime": {false, unix.MS_RELATIME}, "remount": {false, unix.MS_REMOUNT}, "ro": {false, unix.MS_RDONLY},
	"rw": {true, unix.MS_RDONLY}, "strictatime": {false, unix.MS_STRICTATIME}, "suid": {true, unix.MS_NOSUID},
	"sync": {false, unix.MS_SYNCHRONOUS}, "silent": {false, unix.MS_SILENT}, "loud": {true, unix.MS_SILENT},
}

var propagationFlags = map[string]uintptr{
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// mountOpts is the parsed form of a mount's options.
type mountOpts struct {
	flags    uintptr
	propag   []uintptr
	data     string
	rro      bool // recursive read-only (mount_setattr)
	extFlags []string
}

// recursiveAttrs are the options set or cleared on a whole mount tree
// with mount_setattr(2) (rro is applied on its own).
var recursiveAttrs = map[string]unix.MountAttr{
	"rnosuid": {Attr_set: unix.MOUNT_ATTR_NOSUID},
	"rnodev":  {Attr_set: unix.MOUNT_ATTR_NODEV},
	"rnoexec": {Attr_set: unix.MOUNT_ATTR_NOEXEC},
	"rrw":     {Attr_clr: unix.MOUNT_ATTR_RDONLY},
	"rsuid":   {Attr_clr: unix.MOUNT_ATTR_NOSUID},
	"rdev":    {Attr_clr: unix.MOUNT_ATTR_NODEV},
	"rexec":   {Attr_clr: unix.MOUNT_ATTR_NOEXEC},
}

// parseMountOptions splits options into mount flags, propagation flags and
// file-system data. Unknown options go to data, as runc does; only a few
// forms are refused.
func parseMountOptions(opts []string) (uintptr, []uintptr, string, error) {
	o, err := parseOpts(opts)
	if err != nil {
		return 0, nil, "", err
	}
	return o.flags, o.propag, o.data, nil
}

func parseOpts(opts []string) (*mountOpts, error) {
	o := &mountOpts{}
	var data []string
	for _, opt := range opts {
		if opt == "" {
			return nil, fmt.Errorf("empty option")
		}
		if f, ok := mountFlags[opt]; ok {
			if f.clear {
				o.flags &^= f.flag
			} else {
				o.flags |= f.flag
			}
			continue
		}
		if p, ok := propagationFlags[opt]; ok {
			o.propag = append(o.propag, p)
			continue
		}
		switch opt {
		case "rro":
			o.rro = true
			o.flags |= unix.MS_RDONLY
			continue
		case "rrw", "rnosuid", "rnodev", "rnoexec", "rsuid", "rdev", "rexec", "idmap", "ridmap", "tmpcopyup":
			o.extFlags = append(o.extFlags, opt)
			continue
		}
		data = append(data, opt)
	}
	o.data = strings.Join(data, ",")
	return o, nil
}
