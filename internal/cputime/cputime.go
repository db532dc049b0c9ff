// Package cputime reads the CPU time the process has used, for benchmarks
// that report what their work costs whatever else the machine runs. It is
// a standard-library-only helper.
package cputime
