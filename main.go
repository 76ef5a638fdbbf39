// Command resetdesk is the ResetDesk app and its command line.
package main

import (
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("com.resetdesk.app")
	w := a.NewWindow("ResetDesk")
	w.SetContent(widget.NewLabel("ResetDesk"))
	w.ShowAndRun()
}
