// Package entry holds the accounting entry model of seed 001 (MyUnisoft
// MAD): [Entry], [Movement], [Journal], [Currency], [SimplifiedAccount],
// [Attachment], [MovementAnalytics], [Payment] and
// [EntryAdditionalProducerProps], their exact JSON encoding, and their
// validation.
package entry
