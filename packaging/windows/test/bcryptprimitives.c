/* FOR THE TEST WINE PREFIX ONLY: never shipped, never installed on a real
   Windows machine (which has its own bcryptprimitives.dll).

   Rust's standard library (1.78 and newer) takes its random bytes from
   ProcessPrng in bcryptprimitives.dll, which Wine 8.0 (Debian 12) lacks,
   so every Rust program fails to start there. This stand-in exports
   ProcessPrng and forwards it to BCryptGenRandom, which Wine has.
   `cargo xtask test-windows` builds it with MinGW-w64 and copies it into
   the throwaway prefix's system32. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
