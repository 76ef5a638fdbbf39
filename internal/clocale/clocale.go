// Package clocale reads the C and POSIX locales, with or without a codeset
// (C.UTF-8 is the default of Debian's containers), as English, for Fyne.
//
// Fyne works out the user's language when its lang package initializes,
// before main runs, and cannot parse "C": it prints three lines of errors
// on stderr, on every run of every command. Its locale library asks
// LANGUAGE when the locale is not exactly C or POSIX, so this package sets
// LANGUAGE=en in that case. It must initialize before Fyne's lang: it
// imports nothing but syscall, so it is ready long before lang is, and Go
// initializes a ready package before any that depends on more
// (TestCommandLineQuietUnderCLocale checks that it does).
package clocale

import "syscall"

func init() {
	if v, ok := syscall.Getenv("LANGUAGE"); ok && v != "" {
		return
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v, ok := syscall.Getenv(name)
		if !ok || v == "" {
			continue
		}
		if isC(v) {
			syscall.Setenv("LANGUAGE", "en")
		}
		return
	}
}

// isC reports whether locale is C or POSIX with a codeset or modifier.
func isC(locale string) bool {
	for i := 0; i < len(locale); i++ {
		if locale[i] == '.' || locale[i] == '@' {
			locale = locale[:i]
			break
		}
	}
	return locale == "C" || locale == "POSIX"
}
