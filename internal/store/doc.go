// Package store holds the bbolt helpers and the metadata schema.
package store
