package entry

// Fields returns the wire names of the members of an entry document, in the
// order the encoder writes them. The caller owns the slice.
func Fields() []string {
	return []string{"producerId", "attachments", "date", "dueDate", "journal", "currency", "movements", "additionalProducerProperties"}
}
