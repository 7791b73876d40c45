package provider

import "maps"

// withAttributes is attrs with more added: a schema's attributes written in parts, so
// that no function that declares them grows long.
func withAttributes[A any](attrs, more map[string]A) map[string]A {
	maps.Copy(attrs, more)
	return attrs
}
