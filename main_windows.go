//go:build windows

package main

import (
	"debug/pe"
	"os"
	"syscall"
	"unsafe"
)

// On Windows, ResetDesk ships as two programs built from this one main
// (scripts/package-windows): ResetDesk.exe, linked for the GUI subsystem so
// that starting it opens no console window, and resetdesk-cli.exe, a console
// program for cmd, PowerShell and scripts. A shell neither waits for a GUI
// program nor gives it a console, so ResetDesk.exe would lose a command's
// prompts, output and exit code: it says so and points at resetdesk-cli.exe
// instead of running the command.

// guiCommandHint is what ResetDesk.exe answers to a command.
const guiCommandHint = "ResetDesk.exe is the window and runs no commands: cmd and PowerShell do not wait for it " +
	"and cannot show its output. Use resetdesk-cli.exe, which is next to it, for the command line, e.g. " +
	"resetdesk-cli.exe users"

// refuseCommandsInGUIBuild ends a GUI-subsystem build that was given a
// command, with exit status 2 (usage) and guiCommandHint where the admin can
// read it. A console build returns and runs the command.
func refuseCommandsInGUIBuild() {
	if !guiSubsystem() {
		return
	}
	showHint(guiCommandHint)
	os.Exit(2)
}

// guiSubsystem reports whether this exe was linked for the GUI subsystem
// (-ldflags -H=windowsgui), from its own PE header.
func guiSubsystem() bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	f, err := pe.Open(exe)
	if err != nil {
		return false
	}
	defer f.Close()
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		return h.Subsystem == pe.IMAGE_SUBSYSTEM_WINDOWS_GUI
	case *pe.OptionalHeader32:
		return h.Subsystem == pe.IMAGE_SUBSYSTEM_WINDOWS_GUI
	}
	return false
}

var (
	kernel32      = syscall.NewLazyDLL("kernel32.dll")
	attachConsole = kernel32.NewProc("AttachConsole")
	messageBoxW   = syscall.NewLazyDLL("user32.dll").NewProc("MessageBoxW")
)

// showHint writes msg to standard error when there is one (redirected to a
// file or a pipe), else to the console of the shell that started us, else
// in a message box (started from a shortcut with arguments).
func showHint(msg string) {
	if h, err := syscall.GetStdHandle(syscall.STD_ERROR_HANDLE); err == nil && h != 0 && h != syscall.InvalidHandle {
		if _, err := os.Stderr.WriteString("resetdesk: " + msg + "\n"); err == nil {
			return
		}
	}
	const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	if ok, _, _ := attachConsole.Call(attachParentProcess); ok != 0 {
		if con, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
			defer con.Close()
			// The shell has printed its prompt already: start a line.
			if _, err := con.WriteString("\r\nresetdesk: " + msg + "\r\n"); err == nil {
				return
			}
		}
	}
	text, _ := syscall.UTF16PtrFromString(msg)
	title, _ := syscall.UTF16PtrFromString("ResetDesk")
	const mbIconInformation = 0x40
	messageBoxW.Call(0, uintptr(unsafe.Pointer(text)), uintptr(unsafe.Pointer(title)), mbIconInformation)
}
