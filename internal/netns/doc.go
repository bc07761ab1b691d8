// Package netns owns running code inside another network namespace: on a
// locked OS thread that enters the namespace and comes back, so that the
// sockets the code makes belong to that namespace for life while no other
// goroutine ever runs there.
package netns
