/* bcryptprimitives.dll exporting ProcessPrng, which Rust's std (1.78+) imports on Windows
 * and Wine 8 lacks: fills the buffer from advapi32's RtlGenRandom (SystemFunction036).
 * Built by .ci/wine-tests:
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll prng.c -ladvapi32 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
