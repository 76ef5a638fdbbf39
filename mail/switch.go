package mail

import (
	"context"
	"sync"

	"resetdesk/app"
)

// Switch is an app.Mailer whose server can change under running sessions:
// Settings saves a new one and every later reset sends through it. Until
// one is set it is not Configured, and app refuses what needs mail.
type Switch struct {
	mu    sync.Mutex
	m     app.Mailer
	route string // where m sends, in a few words
}

// Set makes m the mailer, with route saying where it sends (a host and
// port, the demo's sink), for Settings to show.
func (s *Switch) Set(m app.Mailer, route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m, s.route = m, route
}

// Route says where mail goes now, "" while no mailer is set.
func (s *Switch) Route() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.route
}

// Configured reports whether a mailer has been set.
func (s *Switch) Configured() bool { return s.current() != nil }

func (s *Switch) current() app.Mailer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m
}

// Send sends through the current mailer (app.ErrNoMailServer for each
// notice while there is none).
func (s *Switch) Send(ctx context.Context, notices []app.Notice) []error {
	errs, _ := s.SendCounted(ctx, notices)
	return errs
}

// SendCounted is Send with each notice's number of attempts.
func (s *Switch) SendCounted(ctx context.Context, notices []app.Notice) ([]error, []int) {
	return app.SendCounted(ctx, s.current(), notices)
}
