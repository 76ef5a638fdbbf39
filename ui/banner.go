package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// errorBanner shows a failed load as a sentence with a Retry button. It is
// hidden while there is nothing to say.
type errorBanner struct {
	view    *fyne.Container
	message *widget.Label
	retry   *widget.Button
}

func newErrorBanner(onRetry func()) *errorBanner {
	b := &errorBanner{
		message: &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord},
		retry:   &widget.Button{Text: "Retry", Icon: theme.ViewRefreshIcon(), OnTapped: onRetry},
	}
	b.view = container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), b.retry, b.message)
	b.view.Hide()
	return b
}

// show shows err's sentence, or hides the banner for nil.
func (b *errorBanner) show(err error) {
	if err == nil {
		b.view.Hide()
		return
	}
	b.message.SetText(app.ErrorMessage(err))
	b.view.Show()
}
