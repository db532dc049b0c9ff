// Package period holds civil dates, accounting periods (exercises and
// situations) and the initialization scope of an entity.
package period
