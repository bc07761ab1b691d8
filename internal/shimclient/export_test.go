package shimclient

// SetDoubleFork makes Start use the `berth shim spawn` fallback.
func SetDoubleFork(on bool) { forceDoubleFork = on }
