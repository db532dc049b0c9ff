//go:build !race

package sink_test

// killResumeEntries is how many entries per exercise TestInitializeKillResume
// initializes: 50,000 (100,000 in scope); 12,500 with the race detector,
// which makes every run several times slower.
const killResumeEntries = 50_000
