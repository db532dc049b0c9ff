//go:build race

package sink_test

// killResumeEntries is how many entries per exercise TestInitializeKillResume
// initializes: 12,500 (25,000 in scope) with the race detector, which makes
// every run several times slower; 50,000 (100,000 in scope) without.
const killResumeEntries = 12_500
