package container

// For the tests of package container_test.
var (
	ExtractTar  = extractTar
	NewStatsRow = newStatsRow
)
