// Package ui is ResetDesk's Fyne interface: the sign-in screen, the Spaces
// and Unified desktop shells, the phone flow, and the screens they hold.
// One window shows them all: its layout follows its width (adaptive.go).
//
// It imports only app, icons, Fyne and the standard library; main passes in
// a Backend that knows PostgreSQL and SMTP. Every call to the directory, the
// resetter or the backend runs off the Fyne goroutine: a screen splits its
// work into load (I/O, no widgets) and apply (widgets, inside fyne.Do).
//
// Which file holds which screen:
//
//	backend.go       what main hands in: Backend, Session, Keychain, saved settings
//	session.go       signedIn: the signed-in session both layouts share, with
//	                 the users, search, filters, selection and user open
//	signin.go        the sign-in screen (both layouts)
//	offices.go       switching offices: the menu of saved profiles, the window title
//	desktop.go       the app's window: sign in, then the session
//	adaptive.go      the layout follows the window's width: breakpoint,
//	                 switching, a reset holding the layout, touch sizes
//	console.go       the desktop's screen registry and shell switching
//	shells.go        the Spaces and Unified frames, and the top bar
//	users.go         the users screen: list, filters, selection bar
//	userlist.go      the list of 100,000 users and its filter
//	profile.go       one user's profile: details, activity, sessions
//	resetform.go     the reset form: mode, generator, options, hand-over,
//	                 admin password; the outcome's sentences
//	wrapcheck.go     the reset form's checkbox whose label wraps
//	reset.go         the one-user reset dialog (the form in a dialog)
//	bulk.go          the bulk reset dialog (the form under a list of users)
//	slip.go          the printable slips (PDF) after a reset
//	import.go        importing users from CSV, with a preview
//	mail.go          the Mail view: deliveries and Resend
//	mailserver.go    the mail server form (direct mode): Settings and the phone
//	relayhealth.go   the office mail relay's health in a sentence (Settings,
//	                 Mail, the phone)
//	audit.go         the Audit view
//	settings.go      profiles, mail (server or relay), policies, layout, theme
//	admins.go        Settings' console users and custom roles
//	selfservice_setup.go  Settings' self-service on this computer (export, QR)
//	selfservice.go   the end user's forms (one-time password, temporary
//	                 password, hand-over) and the self-service window
//	banner.go        the error banner with Retry that screens share
//	wheel.go         the scroll of every page of fields: the mouse wheel
//	                 moves the page over its entries too
//	table.go         the read-only text table with a detail line
//	theme.go         the app's theme and the light/dark/system choice
//	mobile.go        the phone flow: the page stack, home
//	mobile_users.go  the phone's users page and user page
//	mobile_reset.go  the phone's Reset Password page (the form on a page)
//	mobile_share.go  the phone's outcome page and SHARE
//	mobile_mail.go   the phone's Mail page: the relay's health, or this
//	                 phone's mail server (the form of mailserver.go)
//	mobile_confirm.go  the phone's yes-or-no question with thumb-sized answers
//	mobile_swipe.go  iOS's swipe from the left edge back a page
package ui
