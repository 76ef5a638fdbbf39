package app

import (
	"strings"
	"testing"
)

func TestDeviceLoginName(t *testing.T) {
	long := strings.Repeat("a", 60)
	cases := []struct {
		base, device, want, refusal string
	}{
		{"frontdesk", "reception", "frontdesk_reception", ""},
		{"frontdesk", "  Reception PC 2 ", "frontdesk_reception_pc_2", ""},
		{"frontdesk", "maria-phone", "frontdesk_maria_phone", ""},
		{"frontdesk", "Maria's phone", "frontdesk_marias_phone", ""},
		{"frontdesk", "--back..office__", "frontdesk_back_office", ""},
		{"frontdesk", "2nd floor", "frontdesk_2nd_floor", ""},
		{"", "reception", "selfservice_reception", ""},
		{"Front Desk", "reception", "front_desk_reception", ""},
		{"9lives", "reception", "selfservice_reception", ""},
		{"resetdesk_x", "reception", "selfservice_reception", ""},
		{"pg_x", "reception", "selfservice_reception", ""},
		{"kiosk@office", "reception", "selfservice_reception", ""},
		{long, "reception", long[:53] + "_reception", ""},
		{"frontdesk", "", "", "Name the computer or phone first, such as reception or maria-phone."},
		{"frontdesk", " - ", "", "Name the computer or phone first, such as reception or maria-phone."},
		{"frontdesk", "Empfang Büro", "", `Name the device with letters a to z, digits, spaces or dashes: "ü" cannot be part of a login's name.`},
		{"frontdesk", "desk; DROP ROLE x", "", `Name the device with letters a to z, digits, spaces or dashes: ";" cannot be part of a login's name.`},
		{"frontdesk", strings.Repeat("b", 25), "", "Keep the device's name to 24 letters or fewer."},
	}
	for _, c := range cases {
		got, err := DeviceLoginName(c.base, c.device)
		if c.refusal != "" {
			if ErrorCode(err) != EINVALID || ErrorMessage(err) != c.refusal {
				t.Errorf("%q %q: got %q, %v; want the refusal %q", c.base, c.device, got, err, c.refusal)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q %q: got %q, %v; want %q", c.base, c.device, got, err, c.want)
		}
		if len(got) > 63 {
			t.Errorf("%q %q: %d bytes", c.base, c.device, len(got))
		}
	}
}
