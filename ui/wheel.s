// An assembly file, even empty, lets wheel.go declare the body-less
// function that //go:linkname fills in (the compiler refuses one otherwise).
