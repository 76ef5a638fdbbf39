package main

import (
	"context"
	"fmt"
	"os"

	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// runGUI opens the window. The desktop screens are wired in once ui lands.
func runGUI(ctx context.Context, args []string) int {
	a := fyneapp.NewWithID("com.resetdesk.app")
	w := a.NewWindow("ResetDesk")
	w.SetContent(widget.NewLabel("ResetDesk"))
	go func() { <-ctx.Done(); a.Quit() }()
	w.ShowAndRun()
	fmt.Fprint(os.Stderr)
	return 0
}
