// Package archtest holds no code: its tests check the shape of the
// repository — file and package sizes, which packages may import which,
// who writes each table, what is committed — so that the layout described in
// docs/ARCHITECTURE.md stays true as the code grows.
package archtest
