// Package initproc is the tiny init used by --init: it reaps zombies and forwards signals to its child.
package initproc
