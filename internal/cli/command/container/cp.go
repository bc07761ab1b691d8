package container

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/streams"
	cerrdefs "github.com/containerd/errdefs"
	units "github.com/docker/go-units"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

type cpOptions struct {
	archive, followLink, quiet bool
}

// NewCpCommand makes "berth cp".
func NewCpCommand(c command.Cli) *cobra.Command {
	var o cpOptions
	cmd := command.New("cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH", "Copy files or directories into or out of a container", command.ExactArgs(2),
		func(cmd *cobra.Command, args []string) error {
			srcCtr, srcPath := splitCpArg(args[0])
			dstCtr, dstPath := splitCpArg(args[1])
			switch {
			case srcCtr != "" && dstCtr != "":
				return errors.New("copying between containers is not supported")
			case srcCtr == "" && dstCtr == "":
				return errors.New("must specify at least one container source")
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			if srcCtr != "" {
				return copyFromContainer(c, cmd.Context(), api, srcCtr, srcPath, dstPath, o)
			}
			return copyToContainer(c, cmd.Context(), api, srcPath, dstCtr, dstPath, o)
		})
	f := cmd.Flags()
	f.BoolVarP(&o.archive, "archive", "a", false, "Keep the owner uid/gid of what is copied")
	f.BoolVarP(&o.followLink, "follow-link", "L", false, "If SRC_PATH is a symbolic link, copy what it points to")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Print no progress while copying")
	return cmd
}

// splitCpArg splits "CONTAINER:PATH"; a local path (absolute, or starting
// with ".") never names a container.
func splitCpArg(arg string) (ctr, p string) {
	if filepath.IsAbs(arg) || strings.HasPrefix(arg, ".") {
		return "", arg
	}
	ctr, p, ok := strings.Cut(arg, ":")
	if !ok {
		return "", arg
	}
	return ctr, p
}

// copiesContents reports whether a source path ends in "/." (copy the
// directory's contents, not the directory).
func copiesContents(p string) bool {
	return p == "." || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, string(filepath.Separator)+".")
}

func copyFromContainer(c command.Cli, ctx context.Context, api client.APIClient, ctr, src, dst string, o cpOptions) error {
	if !path.IsAbs(src) {
		src = "/" + src
	}
	if o.followLink {
		st, err := api.ContainerStatPath(ctx, ctr, client.ContainerStatPathOptions{Path: src})
		if err == nil && st.Stat.LinkTarget != "" && st.Stat.Mode&os.ModeSymlink != 0 {
			src = st.Stat.LinkTarget
		}
	}
	res, err := api.CopyFromContainer(ctx, ctr, client.CopyFromContainerOptions{SourcePath: src})
	if err != nil {
		return err
	}
	defer res.Content.Close()
	if dst == "-" {
		_, err := io.Copy(c.Out(), res.Content)
		return err
	}
	srcIsDir := res.Stat.Mode.IsDir()
	rootName := res.Stat.Name
	if rootName == "" || rootName == "." {
		rootName = path.Base(path.Clean(src))
	}
	var target, rename string // extract into target, root entry renamed
	contents := false
	dstInfo, statErr := os.Stat(dst)
	switch {
	case statErr == nil && dstInfo.IsDir():
		target = dst
		if srcIsDir && copiesContents(src) {
			contents = true
		}
	case statErr == nil:
		if srcIsDir {
			return fmt.Errorf("cannot copy a directory to a file: %s", dst)
		}
		target, rename = filepath.Dir(dst), filepath.Base(dst)
	case errors.Is(statErr, os.ErrNotExist):
		if !srcIsDir && (strings.HasSuffix(dst, "/")) {
			return fmt.Errorf("destination directory %s does not exist", dst)
		}
		parent := filepath.Dir(filepath.Clean(dst))
		if _, err := os.Stat(parent); err != nil {
			return fmt.Errorf("destination directory %s does not exist: %w", parent, err)
		}
		target, rename = parent, filepath.Base(filepath.Clean(dst))
	default:
		return statErr
	}
	n, err := extractTar(res.Content, target, rootName, rename, contents, os.Geteuid() == 0)
	if err != nil {
		return err
	}
	cpProgress(c, o, n, dst)
	return nil
}

func copyToContainer(c command.Cli, ctx context.Context, api client.APIClient, src, ctr, dst string, o cpOptions) error {
	if !path.IsAbs(dst) {
		dst = "/" + dst
	}
	if src == "-" {
		_, err := api.CopyToContainer(ctx, ctr, client.CopyToContainerOptions{
			DestinationPath: dst, Content: c.In(), CopyUIDGID: o.archive,
		})
		return err
	}
	info, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if o.followLink && info.Mode()&os.ModeSymlink != 0 {
		if src, err = filepath.EvalSymlinks(src); err != nil {
			return err
		}
		if info, err = os.Lstat(src); err != nil {
			return err
		}
	}
	srcIsDir := info.IsDir()
	dstDir, name := dst, filepath.Base(filepath.Clean(src))
	contents := srcIsDir && copiesContents(src)
	st, err := api.ContainerStatPath(ctx, ctr, client.ContainerStatPathOptions{Path: dst})
	switch {
	case err == nil && st.Stat.Mode.IsDir():
	case err == nil:
		if srcIsDir {
			return fmt.Errorf("cannot copy a directory to a file: %s", dst)
		}
		dstDir, name = path.Dir(dst), path.Base(dst)
	case cerrdefs.IsNotFound(err):
		if !srcIsDir && strings.HasSuffix(dst, "/") {
			return fmt.Errorf("destination directory %s does not exist", dst)
		}
		dstDir, name = path.Dir(path.Clean(dst)), path.Base(path.Clean(dst))
		contents = false
	default:
		return err
	}
	pr, pw := io.Pipe()
	counted := make(chan int64, 1)
	go func() {
		n, err := writeTar(pw, src, name, contents)
		counted <- n
		pw.CloseWithError(err)
	}()
	_, err = api.CopyToContainer(ctx, ctr, client.CopyToContainerOptions{
		DestinationPath: dstDir, Content: pr, CopyUIDGID: o.archive,
	})
	pr.Close()
	if err != nil {
		return err
	}
	cpProgress(c, o, <-counted, ctr+":"+dst)
	return nil
}

func cpProgress(c command.Cli, o cpOptions, n int64, dst string) {
	if o.quiet {
		return
	}
	if _, ok := streams.TerminalFd(c.Err()); !ok {
		return
	}
	fmt.Fprintf(c.Err(), "Successfully copied %s to %s\n", units.HumanSize(float64(n)), dst)
}

// writeTar writes src as a tar stream whose root entry is named name (or,
// with contents, only what the directory src holds) and returns the bytes of
// file data written.
func writeTar(w io.Writer, src, name string, contents bool) (int64, error) {
	tw := tar.NewWriter(w)
	var total int64
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		var entry string
		switch {
		case contents && rel == ".":
			return nil
		case contents:
			entry = filepath.ToSlash(rel)
		case rel == ".":
			entry = name
		default:
			entry = path.Join(name, filepath.ToSlash(rel))
		}
		n, err := command.WriteTarEntry(tw, p, entry, info)
		total += n
		return err
	})
	if err != nil {
		return total, err
	}
	return total, tw.Close()
}

// extractTar unpacks a tar stream from the daemon into dir. Entries are
// either prefixed by the source's base name (root) or, for a source ending
// in "/.", relative to the source directory ("./", "./x"). The root entry
// is renamed to rename when not empty; with contents the source's children
// land directly in dir. Entries never escape dir. It returns the bytes of
// file data written.
func extractTar(r io.Reader, dir, root, rename string, contents, chown bool) (int64, error) {
	tr := tar.NewReader(r)
	var total int64
	dotRoot, first := false, true
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, fmt.Errorf("read archive: %w", err)
		}
		name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if first {
			dotRoot, first = name == "", false
		}
		name, skip := mapEntry(name, root, rename, dotRoot, contents)
		if skip {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		if target != filepath.Clean(dir) && !strings.HasPrefix(target, filepath.Clean(dir)+string(filepath.Separator)) {
			return total, fmt.Errorf("archive entry %q escapes %s", hdr.Name, dir)
		}
		if err := noSymlinkParents(dir, name); err != nil {
			return total, err
		}
		mode := os.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, mode); err != nil {
				return total, err
			}
			os.Chmod(target, mode)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(target), 0o755)
			os.Remove(target)
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
			if err != nil {
				return total, err
			}
			n, err := io.Copy(f, tr)
			total += n
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return total, err
			}
			os.Chmod(target, mode)
		case tar.TypeSymlink:
			os.Remove(target)
			if err := os.Symlink(hdr.Linkname, target); err != nil {
				return total, err
			}
		case tar.TypeLink:
			linkName, _ := mapEntry(strings.TrimPrefix(path.Clean("/"+hdr.Linkname), "/"), root, rename, dotRoot, contents)
			old := filepath.Join(dir, filepath.FromSlash(linkName))
			if !strings.HasPrefix(old, filepath.Clean(dir)+string(filepath.Separator)) {
				return total, fmt.Errorf("archive link %q escapes %s", hdr.Linkname, dir)
			}
			os.Remove(target)
			if err := os.Link(old, target); err != nil {
				return total, err
			}
		default:
			continue
		}
		if chown {
			os.Lchown(target, hdr.Uid, hdr.Gid)
		}
		if hdr.Typeflag != tar.TypeSymlink {
			os.Chtimes(target, hdr.ModTime, hdr.ModTime)
		}
	}
}

// mapEntry places one archive path (already cleaned, relative) under the
// extraction directory: re-rooted under root for "./" archives, the root
// renamed, or stripped with contents. skip is true for the root entry
// itself in contents mode.
func mapEntry(name, root, rename string, dotRoot, contents bool) (string, bool) {
	if dotRoot {
		name = path.Join(root, name)
	}
	top, rest, _ := strings.Cut(name, "/")
	switch {
	case contents && top == root:
		if rest == "" {
			return "", true
		}
		return rest, false
	case rename != "" && top == root:
		return path.Join(rename, rest), false
	}
	return name, false
}

// noSymlinkParents refuses entries whose parent directories inside dir are
// symlinks: an archive holding "a -> /etc" then "a/passwd" must not write
// outside dir.
func noSymlinkParents(dir, name string) error {
	cur := dir
	parts := strings.Split(name, "/")
	for _, p := range parts[:len(parts)-1] {
		cur = filepath.Join(cur, p)
		fi, err := os.Lstat(cur)
		if err != nil {
			return nil // not there yet: it will be made as a directory
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("archive entry %q passes through symlink %s", name, cur)
		}
	}
	return nil
}
