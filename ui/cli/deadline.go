package cli

import (
	"context"
	"sync"
	"time"
)

// budget is a command's time bound: --timeout covers the whole command (every network
// call, store call and stdin read together, not each one), but not the time a person
// spends at a prompt, which pauses it. Written by hand: context.WithTimeout cannot be
// paused, and a passphrase typed slowly must not time out the fetch that follows it.
type budget struct {
	parent context.Context
	done   chan struct{}

	mu        sync.Mutex
	remaining time.Duration // left when the clock last stopped
	since     time.Time     // when the clock last started; zero while paused
	timer     *time.Timer
	err       error
}

// newBudget returns a context that ends after d of running time, or with parent.
func newBudget(parent context.Context, d time.Duration) (*budget, context.CancelFunc) {
	b := &budget{parent: parent, done: make(chan struct{}), remaining: d}
	b.mu.Lock()
	b.startLocked()
	b.mu.Unlock()
	stop := make(chan struct{})
	go func() {
		select {
		case <-parent.Done():
			b.end(parent.Err())
		case <-stop:
		case <-b.done:
		}
	}()
	var once sync.Once
	return b, func() {
		once.Do(func() { close(stop); b.end(context.Canceled) })
	}
}

func (b *budget) startLocked() {
	b.since = time.Now()
	b.timer = time.AfterFunc(b.remaining, func() { b.end(context.DeadlineExceeded) })
}

func (b *budget) end(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return
	}
	b.err = err
	if b.timer != nil {
		b.timer.Stop()
	}
	close(b.done)
}

// pause stops the clock (a person is being asked something) and returns the function
// that starts it again.
func (b *budget) pause() (resume func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil || b.since.IsZero() {
		return func() {}
	}
	if !b.timer.Stop() {
		return func() {} // it fired just now
	}
	b.remaining -= time.Since(b.since)
	b.since = time.Time{}
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.err == nil && b.since.IsZero() {
			b.startLocked()
		}
	}
}

// Deadline is when the budget runs out if the clock keeps running from now.
func (b *budget) Deadline() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.since.IsZero() {
		return time.Now().Add(b.remaining), true
	}
	return b.since.Add(b.remaining), true
}

func (b *budget) Done() <-chan struct{} { return b.done }

func (b *budget) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *budget) Value(key any) any { return b.parent.Value(key) }

// expired reports whether the command ran out of its time.
func (b *budget) expired() bool { return b != nil && b.Err() == context.DeadlineExceeded }

// atPrompt runs f, a question to a person, with the command's clock stopped.
func (a *App) atPrompt(f func()) {
	if a.budget != nil {
		defer a.budget.pause()()
	}
	f()
}
