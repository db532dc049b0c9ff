package memstore

// NewColliding returns a Store whose keys all have the same hash, so that
// every slot is found through one chain.
func NewColliding() *Store {
	s := New(nil)
	s.hashKey = func(string) uint64 { return 42 }
	return s
}
