//go:build !windows

package main

// refuseCommandsInGUIBuild does nothing outside Windows: there one program
// both opens the window and runs commands (see main_windows.go).
func refuseCommandsInGUIBuild() {}
