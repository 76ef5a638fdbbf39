package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"resetdesk/app"
)

// signedIn is a console user's session as both shells hold it: the
// Session main made, the actor and org read when it opened, a context that
// signing out cancels (so the work of screens that went away stops), and
// how slow work leaves the Fyne goroutine.
type signedIn struct {
	sess   Session
	actor  app.Actor
	org    app.Org
	ctx    context.Context
	cancel context.CancelFunc
	pace   *pace // how often its screens poll: the window sets it, ctx carries it
	opts   options
	clip   *secretClipboard
	resets int // resets under way: switching offices waits for them
	dir    usersState
}

// usersState is the directory as the admin works on it: the users loaded,
// the search and filters, the bulk selection and the user open. It lives
// in the session, not in a screen, because the window shows it in two
// layouts: the wide one's users screen and the phone's pages render it,
// and crossing the breakpoint shows it again without a load and without
// copying it from one to the other.
type usersState struct {
	list     *userList // nil until the first load answers
	loading  bool
	err      error // of the last load
	seq      int   // of the latest load: the answer of an older one is dropped
	loads    int   // loads started, which the stories count
	query    userQuery
	selected map[int64]bool
	open     int64 // the user whose profile (wide) or page (phone) is open; 0 for none
	// views are the screens that show the list, by layout ("wide",
	// "phone"): each is told of a load's answer. A screen made anew
	// replaces its layout's.
	views map[string]func(usersLoad)
}

func newSignedIn(a fyne.App, s Session, actor app.Actor, org app.Org, o options) *signedIn {
	ctx, cancel := context.WithCancel(context.Background())
	ctx, pc := withPace(ctx)
	return &signedIn{sess: s, actor: actor, org: org, ctx: ctx, cancel: cancel, pace: pc, opts: o, clip: &secretClipboard{clip: a.Clipboard(), now: o.now},
		dir: usersState{selected: map[int64]bool{}, views: map[string]func(usersLoad){}}}
}

// usersLoad is the answer of loading the users.
type usersLoad struct {
	seq   int
	users *userList
	err   error
}

// loadUsers loads every user of the org off the Fyne goroutine; the
// answer goes to the session, then to the screens that show it.
func (s *signedIn) loadUsers() {
	s.dir.seq++
	s.dir.loads++
	s.dir.loading = true
	seq := s.dir.seq
	ctx, dir := s.ctx, s.sess.Directory
	s.spawn(func() {
		users, err := loadUserList(ctx, dir)
		fyne.Do(func() { s.usersLoaded(usersLoad{seq: seq, users: users, err: err}) })
	})
}

// usersLoaded keeps a load's answer, unless a newer load was started
// since, and tells the screens. A selected user who is gone leaves the
// selection.
func (s *signedIn) usersLoaded(r usersLoad) {
	if r.seq != s.dir.seq {
		return
	}
	s.dir.loading = false
	s.dir.err = r.err
	if r.err == nil {
		s.dir.list = r.users
		s.spawn(func() { releaseLoad(r.users) })
		for id := range s.dir.selected {
			if _, ok := r.users.indexOf(id); !ok {
				delete(s.dir.selected, id)
			}
		}
	}
	for _, show := range s.dir.views {
		show(r)
	}
}

// openUser is the user open, if they are loaded.
func (s *signedIn) openUser() (app.User, bool) {
	if s.dir.open == 0 {
		return app.User{}, false
	}
	return s.dir.list.userByID(s.dir.open)
}

// spawn runs work off the Fyne goroutine.
func (s *signedIn) spawn(work func()) { s.opts.spawn(work) }

// now is the session's clock.
func (s *signedIn) now() time.Time { return s.opts.now() }

// close ends the session: a password copied from it leaves the clipboard,
// running work is cancelled and the pool closed, off the Fyne goroutine.
// The shells call it on sign-out and when their window closes, which is
// also how the app quits. A second call does nothing.
func (s *signedIn) close() {
	if s.cancel == nil {
		return
	}
	s.clip.forget()
	s.cancel()
	s.cancel = nil
	if closeSession := s.sess.Close; closeSession != nil {
		s.spawn(func() { _ = closeSession() })
	}
}

// end closes the session and returns what the sign-in screen offers next:
// the way back in (for a session that came without a saved profile) and
// its hint.
func (s *signedIn) end() (again Profile, hint string) {
	s.close()
	return s.sess.Again, s.sess.AgainHint
}

// signOutQuestion is what signing out asks, in both shells.
func (s *signedIn) signOutQuestion() string {
	return "Sign out of " + s.org.Name + "? Signing in again takes your password."
}

// askSignOut asks before signing out: the button sits where a slip of the
// pointer or the thumb lands. signOut runs on "Sign out".
func (s *signedIn) askSignOut(win fyne.Window, signOut func()) *confirmDialog {
	// Not Fyne's confirm: it draws a large question mark behind the
	// sentence, under its last words.
	d := newConfirmDialog("Sign out", "Sign out", "Cancel", widget.NewLabel(s.signOutQuestion()),
		func(ok bool) {
			if ok {
				signOut()
			}
		}, win)
	showDialog(d, win, s.opts.touch)
	return d
}

// Starter makes the session a window opens with, before anyone signs in:
// the demo's stack, or DATABASE_URL. Start runs off the Fyne goroutine;
// What says what it does meanwhile.
type Starter struct {
	What  string
	Start func(context.Context) (Session, error)
}

// starter opens s as it is; nil for no session.
func (s *Session) starter() *Starter {
	if s == nil {
		return nil
	}
	sess := *s
	return &Starter{What: "Opening the directory…", Start: func(context.Context) (Session, error) { return sess, nil }}
}

// resume opens the session st makes: the window (through show) says what
// is happening while the session is made and its actor read, off the Fyne
// goroutine; then the shell opens, or the sign-in screen shows the error.
func resume(st Starter, in *signInScreen, show func(fyne.CanvasObject), showSignIn func()) {
	show(in.busyView(st.What))
	in.spawn(func() {
		s, err := st.Start(context.Background())
		var actor app.Actor
		var org app.Org
		if err == nil {
			actor, org, err = s.Directory.Actor(context.Background())
		}
		fyne.Do(func() {
			if err != nil {
				showSignIn()
				in.showError(err)
				return
			}
			in.onSignedIn(s, actor, org)
		})
	})
}

// clipboardLifetime is how long a copied password stays on the clipboard.
const clipboardLifetime = 60 * time.Second

// secretClipboard puts a password the app shows on the clipboard and takes
// it off again after clipboardLifetime, or sooner when the session ends,
// unless something else was copied since.
type secretClipboard struct {
	clip fyne.Clipboard
	now  func() time.Time

	mu     sync.Mutex // the timer's goroutine reaches it too
	secret string     // what copy put there, "" once forgotten
	copied time.Time  // when, by the wall clock
	timer  *time.Timer
}

// copy puts secret on the clipboard for clipboardLifetime.
func (c *secretClipboard) copy(secret string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clip.SetContent(secret)
	c.secret = secret
	c.copied = c.now().Round(0)
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timer = time.AfterFunc(clipboardLifetime, func() { fyne.Do(c.forget) })
}

// forgetIfOverdue forgets the secret if clipboardLifetime passed since it
// was copied, by the wall clock: the timer waits while a phone has the app
// stopped in the background, and then fires late.
func (c *secretClipboard) forgetIfOverdue() {
	c.mu.Lock()
	overdue := c.secret != "" && c.now().Round(0).Sub(c.copied) >= clipboardLifetime
	c.mu.Unlock()
	if overdue {
		c.forget()
	}
}

// forget takes the secret off the clipboard if it is still there.
func (c *secretClipboard) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if c.secret != "" && c.clip.Content() == c.secret {
		c.clip.SetContent("")
	}
	c.secret = ""
}
