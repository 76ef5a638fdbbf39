package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// poller does work every interval while what it serves is in view, and
// not while it is out of sight: behind another tab, in the layout the
// window left, under another page. Once stopped, or once its session ends,
// it never works again. While it waits it holds one timer and no
// goroutine; out of sight it holds neither.
//
// follow and stop are called on the Fyne goroutine; the timer fires on its
// own, and hands the work to the Fyne goroutine. A mutex keeps its state,
// because under Fyne's test driver that hand-over runs on the timer's
// goroutine.
type poller struct {
	every time.Duration // 0: never by itself (tests fire it by hand)
	work  func()        // on the Fyne goroutine

	mu      sync.Mutex
	ctx     context.Context
	shown   bool
	gone    bool
	timer   *time.Timer // the next firing; nil while out of sight or gone
	gen     int         // of the timer armed last: an older one's firing is dropped
	release func() bool // unhooks the stop at the session's end
	stale   bool        // out of sight since the work last ran (fresh)
}

// newPoller makes a poller of work, out of sight until shown; the end of
// ctx, the session's, stops it.
func newPoller(ctx context.Context, every time.Duration, work func()) *poller {
	p := &poller{ctx: ctx, every: every, work: work}
	p.mu.Lock() // an ended ctx calls stop at once, which must find release
	p.release = context.AfterFunc(ctx, p.stop)
	p.mu.Unlock()
	return p
}

// follow says whether what the poller serves is in view, and reports
// whether the work must run at once: it comes back into view after a
// spell out of it since the work last ran, so what it shows is old.
func (p *poller) follow(on bool) (now bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone || on == p.shown {
		return false
	}
	p.shown = on
	if !on {
		p.disarm()
		p.stale = true
		return false
	}
	p.arm()
	return p.stale
}

// fresh records that the work has just brought what it serves up to date.
func (p *poller) fresh() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stale = false
}

// stop ends the poller for good: what it served is gone.
func (p *poller) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone {
		return
	}
	p.gone, p.shown = true, false
	p.disarm()
	p.release()
}

// arm sets the timer for the next firing. p.mu is held.
func (p *poller) arm() {
	if p.every <= 0 || p.ctx.Err() != nil {
		return
	}
	p.gen++
	gen := p.gen
	p.timer = time.AfterFunc(p.every, func() { fyne.Do(func() { p.fired(gen) }) })
}

// disarm stops the timer; a firing already on its way finds itself stale.
// p.mu is held.
func (p *poller) disarm() {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.gen++
}

// fired does the work for the firing of timer gen, and sets the next one,
// unless the poller went out of sight, or was stopped, since that timer
// was set.
func (p *poller) fired(gen int) {
	p.mu.Lock()
	if gen != p.gen || !p.shown || p.gone || p.ctx.Err() != nil {
		p.mu.Unlock()
		return
	}
	p.timer = nil
	p.mu.Unlock()
	p.work()
	p.mu.Lock()
	if gen == p.gen && p.shown && !p.gone {
		p.arm()
	}
	p.mu.Unlock()
}

// pending is the firing the poller waits for, and whether it waits: tests
// fire it by hand (fired) instead of waiting for it.
func (p *poller) pending() (gen int, waits bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen, p.timer != nil
}

// ended reports whether the poller was stopped for good.
func (p *poller) ended() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gone
}
