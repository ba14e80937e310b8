#ifndef TLSVIEW_FORMAT_H
#define TLSVIEW_FORMAT_H

/* snprintf for the texts tlsview writes by the hundred thousand (names,
 * narration, summaries, field values): the same results and return value,
 * at a fraction of glibc's cost for the conversions it handles itself --
 * %d %i %u %x %X %c %s %% with the '-' and '0' flags, width and precision
 * (numbers or '*') and the hh h l ll z j t sizes.  Any other conversion or
 * flag hands the whole text to vsnprintf, so every format stays valid. */

#include <stdarg.h>
#include <stddef.h>

int text_vformat(char *buf, size_t cap, const char *fmt, va_list ap);
int text_format(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* a, b and c one after the other, cut at cap - 1 bytes as text_format
 * cuts; returns the full length. */
size_t text_join3(char *buf, size_t cap, const char *a, const char *b, const char *c);

#endif
