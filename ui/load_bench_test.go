package ui

import (
	"context"
	"runtime"
	"testing"

	"resetdesk/data/pgtest"
)

// BenchmarkLoad100k loads 100,000 users from the real database into the
// users list's entries, as the Users screen does off the Fyne goroutine, and
// reports the time and the heap the loaded list holds (DESIGN.md section 9:
// the whole app under 200 MB resident with 100,000 users).
func BenchmarkLoad100k(b *testing.B) {
	o := pgtest.NewOrg(b)
	o.Exec(b, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, mobile_number, status)
	           SELECT (SELECT id FROM resetdesk.orgs), 'User Number' || lpad(i::text, 6, '0') || ' Lastname',
	                  'user.number' || lpad(i::text, 6, '0') || '@office.example', '+49151' || lpad(i::text, 8, '0'), 'confirmed'
	             FROM generate_series(1, 100000) i`)
	ctx := context.Background()
	var heap uint64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		list, err := loadUserList(ctx, o.Owner)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if list.len() < 100_000 {
			b.Fatalf("loaded %d users", list.len())
		}
		heap = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(list)
	}
	b.ReportMetric(float64(heap)/(1<<20), "list_MB")
}
