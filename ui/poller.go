package ui

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// poller does work every interval while what it serves is in view, and
// not while it is out of sight: behind another tab, in the layout the
// window left, under another page. Once stopped, or once its session ends,
// it never works again. While it waits it holds one timer and no
// goroutine; out of sight it holds neither.
//
// It follows its session's pace too: while the app is behind another
// (a computer's window without the focus) one firing in behindEvery works;
// while it is hidden (a phone's app in the background, a minimized window
// on Windows) none does, and the timer stops. Back in front, it works at
// once if a firing was skipped meanwhile.
//
// follow and stop are called on the Fyne goroutine; the timer fires on its
// own, and hands the work to the Fyne goroutine. A mutex keeps its state,
// because under Fyne's test driver that hand-over runs on the timer's
// goroutine.
type poller struct {
	every time.Duration // 0: never by itself (tests fire it by hand)
	work  func()        // on the Fyne goroutine
	pace  *pace         // the session's; nil: always in front

	mu      sync.Mutex
	ctx     context.Context
	shown   bool
	gone    bool
	timer   *time.Timer // the next firing; nil while out of sight, hidden or gone
	gen     int         // of the timer armed last: an older one's firing is dropped
	release func() bool // unhooks the stop at the session's end
	stale   bool        // a firing was missed since the work last ran (fresh)
	skipped int         // firings skipped behind since the last that worked
}

// newPoller makes a poller of work, out of sight until shown; the end of
// ctx, the session's, stops it, and the pace ctx carries (paceOf) sets
// how often it works.
func newPoller(ctx context.Context, every time.Duration, work func()) *poller {
	p := &poller{ctx: ctx, every: every, work: work, pace: paceOf(ctx)}
	if p.pace != nil {
		p.pace.add(p)
	}
	p.mu.Lock() // an ended ctx calls stop at once, which must find release
	p.release = context.AfterFunc(ctx, p.stop)
	p.mu.Unlock()
	return p
}

// follow says whether what the poller serves is in view, and reports
// whether the work must run at once: it comes back into view after a
// spell out of it since the work last ran, so what it shows is old. While
// the app is hidden nothing runs: the return to the front does it.
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
	if p.level() == paceHidden {
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
	if p.pace != nil {
		p.pace.forget(p)
	}
}

// level is the session's pace now.
func (p *poller) level() paceLevel {
	if p.pace == nil {
		return paceFront
	}
	return p.pace.now()
}

// arm sets the timer for the next firing, unless the app is hidden. p.mu
// is held.
func (p *poller) arm() {
	if p.every <= 0 || p.ctx.Err() != nil || p.level() == paceHidden {
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
// was set. Behind another app, it skips all but one firing in
// behindEvery, and marks what it serves as old.
func (p *poller) fired(gen int) {
	p.mu.Lock()
	if gen != p.gen || !p.shown || p.gone || p.ctx.Err() != nil {
		p.mu.Unlock()
		return
	}
	p.timer = nil
	if p.level() == paceBehind && p.skipped+1 < behindEvery {
		p.skipped++
		p.stale = true
		p.arm()
		p.mu.Unlock()
		return
	}
	p.skipped = 0
	p.mu.Unlock()
	p.work()
	p.mu.Lock()
	if gen == p.gen && p.shown && !p.gone {
		p.arm()
	}
	p.mu.Unlock()
}

// paced follows the session's pace, which has just gone from one level
// to another: hidden, the timer stops; behind, it runs again if it had
// stopped. Whenever the app comes back into sight, in front or from
// hidden, the work runs at once if a firing was skipped or stopped
// meanwhile, so that what the admin looks at again is never old; the next
// firing then comes a whole interval later. On the Fyne goroutine.
func (p *poller) paced(from, to paceLevel) {
	p.mu.Lock()
	if p.gone || !p.shown {
		p.mu.Unlock()
		return
	}
	p.skipped = 0
	if to == paceHidden {
		p.disarm()
		p.stale = true
		p.mu.Unlock()
		return
	}
	now := p.stale && (to == paceFront || from == paceHidden)
	if now || p.timer == nil {
		p.disarm()
		p.arm()
	}
	p.mu.Unlock()
	if now {
		p.work()
	}
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

// paceLevel is how the app is seen, which sets how often a session's
// pollers work.
type paceLevel int32

const (
	// paceFront: the app is in front; every firing works.
	paceFront paceLevel = iota
	// paceBehind: a computer's window without the focus. Fyne 2.7's GLFW
	// driver calls the lifecycle's foreground hooks when the app's
	// windows lose and regain the focus, and says nothing of minimizing
	// except on Windows (see Desktop.onSize): such a window may be
	// minimized, or show beside the app the admin types in. One firing in
	// behindEvery works, so the one beside stays roughly current and the
	// minimized one costs a fraction of the reads.
	paceBehind
	// paceHidden: nothing of the app shows (a phone's app in the
	// background, a window minimized on Windows); no firing works.
	paceHidden
)

// behindEvery is how many firings pass for one that works behind another
// app: a minute between reads at the app's 20 seconds.
const behindEvery = 3

// pace is a session's paceLevel, which its pollers follow. It travels in
// the session's context, as the session's end does, so that every poller
// of the session finds it, whichever screen made it.
type pace struct {
	level   atomic.Int32 // a paceLevel
	mu      sync.Mutex
	pollers map[*poller]bool
}

type paceKey struct{}

// withPace returns ctx carrying a new pace, in front.
func withPace(ctx context.Context) (context.Context, *pace) {
	pc := &pace{pollers: map[*poller]bool{}}
	return context.WithValue(ctx, paceKey{}, pc), pc
}

// paceOf is the pace ctx carries; nil if none.
func paceOf(ctx context.Context) *pace {
	pc, _ := ctx.Value(paceKey{}).(*pace)
	return pc
}

func (pc *pace) now() paceLevel { return paceLevel(pc.level.Load()) }

func (pc *pace) add(p *poller) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.pollers[p] = true
}

func (pc *pace) forget(p *poller) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	delete(pc.pollers, p)
}

// set makes the pace to, and tells the pollers. On the Fyne goroutine.
func (pc *pace) set(to paceLevel) {
	from := paceLevel(pc.level.Swap(int32(to)))
	if from == to {
		return
	}
	pc.mu.Lock()
	ps := slices.Collect(maps.Keys(pc.pollers))
	pc.mu.Unlock()
	for _, p := range ps {
		p.paced(from, to)
	}
}
