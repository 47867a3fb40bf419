package cli

import (
	"context"
	"testing"
	"time"
)

// TestBudgetPausesAtPrompts: the time a person spends at a prompt does not count
// against --timeout; the time after it does.
func TestBudgetPausesAtPrompts(t *testing.T) {
	t.Parallel()
	b, cancel := newBudget(context.Background(), 50*time.Millisecond)
	defer cancel()
	resume := b.pause()
	time.Sleep(120 * time.Millisecond) // longer than the whole budget, while paused
	if b.Err() != nil {
		t.Fatalf("budget ran out while paused: %v", b.Err())
	}
	if d, ok := b.Deadline(); !ok || time.Until(d) <= 0 {
		t.Fatalf("deadline while paused is in the past: %v", d)
	}
	resume()
	select {
	case <-b.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("budget never ran out after resume")
	}
	if !b.expired() || b.Err() != context.DeadlineExceeded {
		t.Fatalf("err %v", b.Err())
	}
	// A derived context sees the end too.
	ctx, c2 := context.WithCancel(b)
	defer c2()
	if ctx.Err() == nil {
		t.Fatal("derived context still alive")
	}
}

func TestBudgetEndsWithItsParent(t *testing.T) {
	t.Parallel()
	parent, stop := context.WithCancel(context.Background())
	b, cancel := newBudget(parent, time.Hour)
	defer cancel()
	stop()
	<-b.Done()
	if b.Err() != context.Canceled || b.expired() {
		t.Fatalf("err %v", b.Err())
	}
}
