/* Test-only stand-in for Windows' bcryptprimitives.dll, for running xxgk's tests under wine 8.0
 * (Debian 12), which lacks that DLL: Rust's standard library imports ProcessPrng from it, so every
 * current Rust program fails to start there (status c0000135). Real Windows 10/11 has the DLL.
 * This stub fills the buffer from RtlGenRandom (SystemFunction036, advapi32), which wine has.
 * Built by scripts/windows/runner.sh next to each test executable; never put in a release archive
 * (scripts/dist.sh refuses to). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
