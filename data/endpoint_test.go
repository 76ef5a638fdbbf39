package data

import "testing"

// An Endpoint's URL reads back as the same Endpoint, for names, IPv4 and
// IPv6 addresses, with and without a port; a host that is no host is
// refused with a sentence.
func TestEndpointURL(t *testing.T) {
	for _, e := range []Endpoint{
		{Host: "db.office.example", Port: 5432, Database: "resetdesk", Role: "alex", Password: "p@ss/word?#"},
		{Host: "127.0.0.1", Database: "acme", Role: "olivia"},
		{Host: "::1", Port: 55432, Database: "acme", Role: "olivia", Password: "x"},
	} {
		raw, err := e.URL()
		if err != nil {
			t.Fatalf("%+v: %v", e, err)
		}
		back, err := ParseEndpoint(raw)
		if err != nil || back != e {
			t.Errorf("%+v -> %s -> %+v, %v", e, raw, back, err)
		}
	}
	for _, host := range []string{"", "db office", "evil@host", "a/b"} {
		if _, err := (Endpoint{Host: host, Role: "r"}).URL(); err == nil {
			t.Errorf("host %q was taken", host)
		}
	}
}
