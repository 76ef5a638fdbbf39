package relay

import "resetdesk/data"

// Listen wakes a Relay when a reset queues mail: it listens on the
// outbox's channel with its own connection to dsn, reconnecting when that
// drops, and sends on the channel it returns (for Relay.Wake) without ever
// blocking: one wake-up waiting covers any number of messages. A
// reconnection wakes it too, for what was queued while nobody listened;
// reconnected, where not nil, is told first. stop ends the listening.
func Listen(dsn string, reconnected func()) (wake <-chan struct{}, stop func() error, err error) {
	l, err := data.ListenOutbox(dsn, data.Trust{})
	if err != nil {
		return nil, nil, err
	}
	ch := make(chan struct{}, 1)
	go func() {
		// Notify ends when the listener is closed; a nil notification is
		// the listener saying it reconnected.
		for n := range l.Notify {
			if n == nil && reconnected != nil {
				reconnected()
			}
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	return ch, l.Close, nil
}
