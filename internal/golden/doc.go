// Package golden compares rendered output with golden files under
// testdata, the way the renderer tests of every surface do. Tests run on
// the fixed clock Now, so nothing is masked; -update rewrites the files.
package golden
