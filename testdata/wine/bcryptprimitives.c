/*
 * A test-only stand-in for Windows' bcryptprimitives.dll, for Wine 8, which
 * lacks it. Go 1.22 and later read random bytes from its ProcessPrng at
 * start; this one hands the call to RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has. The Wine tests (wine_test.go) build it
 * into the Wine prefix's system32. Never ship it: Windows 10 and 11 have the
 * real one.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
