package sink

// DefaultStateDir is the top-level directory of the state store where a
// [Writer] keeps its state (offset reservations, initialization and
// WriteOnce records) when [WriterOptions.StateDir] is "". Packages that
// keep state beside the writer's put it under this directory too; readers
// never take it for an entity. The package documentation's State section
// lists every file and what happens if it is deleted.
const DefaultStateDir = "_ledgersink"
