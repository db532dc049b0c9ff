package entry

// Fields returns the wire names of the members of an entry document, in the
// order the encoder writes them (the first three, a sink's entry event
// fields, and additionalProducerProperties only when set). The caller owns
// the slice.
func Fields() []string {
	return []string{"etablissement_id", "type", "validation",
		"producerId", "attachments", "date", "dueDate", "journal", "currency", "movements", "additionalProducerProperties"}
}
