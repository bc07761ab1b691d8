// Package volume owns berth's local volumes: named and anonymous
// directories under <data-root>/volumes/<name>/_data, their options
// (type, device, o: mounted on _data at first use, as Docker's local
// driver does), labels and crash-safe records.
//
// Records live in the "volumes" bucket of the daemon's bbolt file, one JSON
// Record per name. Create makes the directory first and writes the record
// second; Remove renames the directory aside, deletes the record, then
// deletes the directory. New repairs what a crash between those steps left:
// a directory without a record is adopted, a record without a directory is
// dropped, a directory set aside is deleted.
//
// Which containers use a volume is not stored here: the daemon derives it
// from the container records. The package only counts active mounts of
// volumes with options, so that the mount is made once and undone when the
// last user stops.
package volume
