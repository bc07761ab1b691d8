// Package archive reads and writes tar layers, converting overlayfs whiteouts
// and opaque directories to and from the OCI/AUFS whiteout files, and guards
// every extracted path against escapes.
//
//	Apply(ctx, dir, tar, ApplyOptions{Whiteouts: WhiteoutOverlay|WhiteoutDelete|WhiteoutNone})
//	TarOverlayUpper(ctx, w, upperDir)     // overlay upper dir → layer tar (char dev 0/0 → .wh.name, opaque xattr → .wh..wh..opq)
//	ReadTree(dir) → ChangesDirs / ChangesOverlay, TarChanges  // docker diff and the copy driver's layer tar (the tree read chrooted)
//	TarPath(ctx, w, src, rebase)          // docker cp out: a file or tree, its top entry renamed
//	Untar(ctx, r, dst)                    // docker cp in: checked extraction, no whiteout handling
//	TarDir(ctx, w, dir)                   // docker export of a mounted rootfs
//	DecompressStream(r)                   // plain, gzip, bzip2, xz, zstd
//	Dockerignore(dir), WalkContext(dir, pm, keep, fn) // a build context without what its .dockerignore excludes (the CLI sends it, the builder mirrors it)
//
// Extraction rejects absolute names, "..", and any write through a symlink
// that is a parent of the entry (errdefs.InvalidParameter).
package archive
