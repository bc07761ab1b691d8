// Package system is the API router of /_ping, /version, /info, /system/df and
// /events.
package system
