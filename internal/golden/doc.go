// Package golden compares rendered output with golden files under
// testdata, the way the renderer tests of every surface do: times that
// move with the clock are masked, and -update rewrites the files.
package golden
