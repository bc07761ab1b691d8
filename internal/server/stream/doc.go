// Package stream holds the helpers of the API's streaming endpoints: the
// negotiated API version of a request, hijacking a connection for attach and
// exec (HTTP upgrade, 101), and Docker's stdcopy multiplexing of stdout and
// stderr on one connection.
package stream
