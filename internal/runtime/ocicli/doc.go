// Package ocicli is the command line of berth's OCI runtime (`berth runtime
// create|start|state|kill|delete|run|exec|ps|pause|resume|list|spec|update|
// events|features`), runc's verbs, flags, output and exit codes on top of
// package runtime; its log (--log, --log-format) and the hidden `warm` verb
// of a runtime process a shim starts ahead of need. A re-executed init
// stage enters here too and is handed to runtime.InitMain.
package ocicli
