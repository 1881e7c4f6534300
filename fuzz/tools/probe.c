/* SPDX-License-Identifier: Apache-2.0 */
/* probe.c - prints the byte order and word size a cross build runs with, so test-s390x and test-32bit show what they test. */
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    const uint32_t one = 1;
    printf("%s-endian, %u-bit pointers, %u-byte size_t\n", *(const unsigned char *)&one ? "little" : "big",
           (unsigned)(8 * sizeof(void *)), (unsigned)sizeof(size_t));
    return 0;
}
