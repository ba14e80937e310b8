/* Bytes as lowercase hex digits, sixteen bytes at a time where the CPU
 * allows: certificates, randoms, key shares and signatures are the largest
 * values tlsview prints. */
#ifndef TLSVIEW_HEX_H
#define TLSVIEW_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes exactly 2 * n digits to out (no terminating NUL). */
void hex_encode(char *out, const uint8_t *in, size_t n);

/* Whether c is a hex digit, either case. */
bool hex_is_digit(uint8_t c);

/* Reads 2 * n hex digits (either case) into n bytes; false, with out
 * unspecified, when any of them is not a hex digit. */
bool hex_decode(uint8_t *out, const uint8_t *in, size_t n);

#endif
