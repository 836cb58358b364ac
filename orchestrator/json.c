/* json.c - cJSON helpers (see json.h for the ownership rule). */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

cJSON *js_dup(const cJSON *v)
{
	cJSON *d;

	if (!v)
		return NULL;
	d = cJSON_Duplicate(v, 1);
	if (!d)
		abort(); /* cJSON only fails on allocation, which xmalloc aborts */
	return d;
}

/* A growable output buffer for the printers. */
typedef struct obuf {
	char *s;
	size_t n, cap;
	FILE *out;        /* streaming: flush to out instead of growing */
} obuf;

#define OB_STREAM_CHUNK 65536

static void ob_grow(obuf *b, size_t more)
{
	if (b->out && b->n + more + 1 > b->cap && b->n > 0) {
		fwrite(b->s, 1, b->n, b->out);
		b->n = 0;
	}
	if (b->n + more + 1 <= b->cap)
		return;
	while (b->n + more + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 256;
	b->s = xrealloc(b->s, b->cap);
}

static void ob_put(obuf *b, const char *s, size_t n)
{
	ob_grow(b, n);
	memcpy(b->s + b->n, s, n);
	b->n += n;
}

static void ob_ch(obuf *b, char c)
{
	ob_grow(b, 1);
	b->s[b->n++] = c;
}

/* Formats a number as cJSON does (integers plainly, others in the
 * shortest of %.15g / %.17g that reads back exactly), but finds the common
 * short decimals without printf: history and outputs print every value of
 * every state, so this is on the hot path. */
static int format_number(double d, char *buf, size_t size)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
		1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	double a = fabs(d);
	int k, n;

	if (!isfinite(d))
		return snprintf(buf, size, "null");
	if (a < 1e15 && floor(d) == d)
		return snprintf(buf, size, "%lld", (long long)d);
	if (a >= 1e-4 && a < 1e15) {
		for (k = 1; k <= 15; k++) {
			double v = a * pow10[k];
			double r = floor(v + 0.5);
			long long iv;
			char digits[24];
			int len, intlen, i, o = 0;

			if (v >= 9007199254740992.0)
				break;
			if (r != v && fabs(r - v) > v * 1e-15)
				continue;
			iv = (long long)r;
			len = snprintf(digits, sizeof digits, "%lld", iv);
			/* digits = integer part followed by k fraction digits */
			if (len <= k) {
				memmove(digits + (k - len + 1), digits, (size_t)len + 1);
				memset(digits, '0', (size_t)(k - len + 1));
				len = k + 1;
			}
			intlen = len - k;
			if (d < 0)
				buf[o++] = '-';
			for (i = 0; i < intlen; i++)
				buf[o++] = digits[i];
			buf[o++] = '.';
			for (i = intlen; i < len; i++)
				buf[o++] = digits[i];
			while (buf[o - 1] == '0')
				o--;
			buf[o] = '\0';
			if (strtod(buf, NULL) == d)
				return o;
			break;
		}
	}
	n = snprintf(buf, size, "%1.15g", d);
	if (strtod(buf, NULL) != d)
		n = snprintf(buf, size, "%1.17g", d);
	return n;
}

/* The length (1 to 4) of the well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) that starts s,
 * of which avail bytes may be read, or 0.  On a NUL-terminated string
 * avail may be 4: the NUL ends any sequence before it is passed. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	unsigned lo = 0x80, hi = 0xbf;
	size_t n, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 1;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3;
	else
		return 0;
	/* The second byte's range rules out overlongs, surrogates and code
	 * points above U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n >= avail)
		return 0;     /* cut short */
	for (k = 1; k <= n; k++) {
		unsigned char t = s[k];

		if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xbf))
			return 0;
	}
	return n + 1;
}

static void print_string(obuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	ob_ch(b, '"');
	for (; *p; p++) {
		const char *esc = NULL;
		char u[8];

		switch (*p) {
		case '"':  esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (*p < 0x20) {
				snprintf(u, sizeof u, "\\u%04x", *p);
				esc = u;
			} else if (*p >= 0x80) {
				/* A byte that is not UTF-8 (from a file name, a
				 * request path, a quoted source) would make the
				 * text no JSON: it becomes U+FFFD. */
				size_t n = utf8_seq(p, 4);

				if (n) {
					p += n - 1;
					continue;
				}
				esc = "\\ufffd";
			}
		}
		if (!esc)
			continue;
		ob_put(b, (const char *)run, (size_t)(p - run));
		ob_put(b, esc, strlen(esc));
		run = p + 1;
	}
	ob_put(b, (const char *)run, (size_t)(p - run));
	ob_ch(b, '"');
}

static void indent(obuf *b, int depth)
{
	ob_ch(b, '\n');
	ob_grow(b, (size_t)depth * 2);
	memset(b->s + b->n, ' ', (size_t)depth * 2);
	b->n += (size_t)depth * 2;
}

/* pretty < 0: compact; otherwise the current depth of indentation. */
static void print_value(obuf *b, const cJSON *v, int pretty)
{
	const cJSON *c;
	char num[40];
	int obj;

	switch (v->type & 0xff) {
	case cJSON_NULL:   ob_put(b, "null", 4); return;
	case cJSON_True:   ob_put(b, "true", 4); return;
	case cJSON_False:  ob_put(b, "false", 5); return;
	case cJSON_Number:
		if (v->valuestring)     /* an integer kept exact (keep_integers) */
			ob_put(b, v->valuestring, strlen(v->valuestring));
		else
			ob_put(b, num, (size_t)format_number(v->valuedouble, num, sizeof num));
		return;
	case cJSON_String: print_string(b, v->valuestring); return;
	case cJSON_Raw:    ob_put(b, v->valuestring, strlen(v->valuestring)); return;
	case cJSON_Array:
	case cJSON_Object:
		obj = (v->type & 0xff) == cJSON_Object;
		ob_ch(b, obj ? '{' : '[');
		for (c = v->child; c; c = c->next) {
			if (c != v->child)
				ob_ch(b, ',');
			if (pretty >= 0)
				indent(b, pretty + 1);
			if (obj) {
				print_string(b, c->string);
				ob_put(b, pretty >= 0 ? ": " : ":", pretty >= 0 ? 2 : 1);
			}
			print_value(b, c, pretty >= 0 ? pretty + 1 : -1);
		}
		if (pretty >= 0 && v->child)
			indent(b, pretty);
		ob_ch(b, obj ? '}' : ']');
		return;
	default:
		ob_put(b, "null", 4);
	}
}

char *js_print(const cJSON *v)
{
	obuf b = { 0 };

	print_value(&b, v, -1);
	ob_grow(&b, 0);
	b.s[b.n] = '\0';
	return b.s;
}

void js_print_file(FILE *out, const cJSON *v, int depth)
{
	obuf b = { NULL, 0, 0, out };

	b.cap = OB_STREAM_CHUNK;
	b.s = xmalloc(b.cap);
	print_value(&b, v, depth);
	fwrite(b.s, 1, b.n, out);
	free(b.s);
}

char *js_print_pretty(const cJSON *v)
{
	obuf b = { 0 };

	print_value(&b, v, 0);
	ob_grow(&b, 0);
	b.s[b.n] = '\0';
	return b.s;
}

/* What Jackson refuses and cJSON lets through, found in one pass over the
 * text before cJSON sees it: bytes that are not well-formed UTF-8 (see
 * utf8_seq; cJSON copies string bytes as they are), control characters
 * inside strings, bytes other than space, tab, CR and LF between tokens
 * (cJSON skips every byte up to 0x20, NUL included), and numbers outside
 * RFC 8259's grammar (cJSON hands strtod "01", "1." and "-.5").  Returns
 * 1 with *bad at the first such byte (len for a number cut short by the
 * end of the text), or 0.  *wide is set when some integer has 16 digits
 * or more, which a double may not hold exactly, or some exponent 3 digits
 * (see keep_integers). */
static int scan_text(const unsigned char *s, size_t len, size_t *bad, int *wide)
{
	enum { OUT, STR, ESC, NUM } st = OUT;
	/* Within a number: 0 after '-', 1 in the integer part, 2 after '.',
	 * 3 in the fraction, 4 after 'e', 5 after its sign, 6 in the exponent. */
	int part = 0, digits = 0, edigits = 0, zero = 0;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x80) {
			if (!(n = utf8_seq(s + i, len - i)))
				goto refuse;
			if (st == NUM)
				goto refuse;
			if (st == ESC)
				st = STR;
			i += n;
			continue;
		}
		switch (st) {
		case STR:
			if (c < 0x20)
				goto refuse;
			if (c == '\\')
				st = ESC;
			else if (c == '"')
				st = OUT;
			break;
		case ESC:
			if (c < 0x20)
				goto refuse;
			st = STR;
			break;
		case NUM:
			if (c >= '0' && c <= '9') {
				if (part == 1 && zero)
					goto refuse;    /* a leading zero */
				if (part == 0 || part == 1) {
					zero = part == 0 && c == '0';
					part = 1;
					if (++digits >= 16)
						*wide = 1;
				} else {
					part = part == 2 ? 3 : part >= 4 ? 6 : part;
					/* An exponent of 3 digits may leave the
					 * double range: keep_integers looks. */
					if (part == 6 && ++edigits >= 3)
						*wide = 1;
				}
				break;
			}
			if (c == '.' && part == 1) {
				part = 2;
				break;
			}
			if ((c == 'e' || c == 'E') && (part == 1 || part == 3)) {
				part = 4;
				break;
			}
			if ((c == '+' || c == '-') && part == 4) {
				part = 5;
				break;
			}
			if (part != 1 && part != 3 && part != 6)
				goto refuse;    /* "-", "1.", "1e", "1e+" */
			st = OUT;
			continue;                           /* c is looked at again */
		case OUT:
			if (c == '"') {
				st = STR;
			} else if (c == '-' || (c >= '0' && c <= '9')) {
				st = NUM;
				part = c == '-' ? 0 : 1;
				zero = c == '0';
				digits = c != '-';
				edigits = 0;
			} else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
				goto refuse;
			}
			break;
		}
		i++;
	}
	if (st != NUM || part == 1 || part == 3 || part == 6)
		return 0;
refuse:                  /* i == len: cut short by the end of the text */
	*bad = i;
	return 1;
}

/* The next number in text from *pos on, outside strings: sets *at and
 * returns its length, or 0 when there is none. */
static size_t next_number(const char *text, size_t len, size_t *pos, const char **at)
{
	size_t i = *pos, b;

	while (i < len) {
		char c = text[i];

		if (c == '"') {
			for (i++; i < len && text[i] != '"'; i++)
				if (text[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			b = i;
			while (i < len && text[i] && strchr("0123456789+-.eE", text[i]))
				i++;
			*pos = i;
			*at = text + b;
			return i - b;
		}
		i++;
	}
	*pos = len;
	return 0;
}

/* Jackson reads an integer into an int, a long or a BigInteger and writes
 * it back digit for digit; a double holds 15 digits exactly and prints
 * 1e15 as "1e+15".  An integer of 16 digits or more therefore keeps its
 * source text in valuestring (which cJSON_Delete frees and
 * cJSON_Duplicate copies for any type), and the printers write that text.
 * A number beyond the double range (1e400) keeps its text too, rather
 * than printing as null.  Number nodes are met in document order, as
 * their texts are. */
static void keep_integers(cJSON *v, const char *text, size_t len, size_t *pos)
{
	const char *at;
	size_t n, k;
	cJSON *c;

	if (cJSON_IsNumber(v)) {
		if (!(n = next_number(text, len, pos, &at)))
			return;
		for (k = at[0] == '-'; k < n && at[k] >= '0' && at[k] <= '9'; k++)
			;
		if ((k == n && n - (at[0] == '-') >= 16) || !isfinite(v->valuedouble))
			v->valuestring = xstrndup(at, n);
		return;
	}
	for (c = v->child; c; c = c->next)
		keep_integers(c, text, len, pos);
}

typedef struct member {
	cJSON *node;
	size_t order;
} member;

static int by_key_then_order(const void *a, const void *b)
{
	const member *x = a, *y = b;
	int c = strcmp(x->node->string, y->node->string);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Jackson's tree keeps one member per key: a later duplicate replaces the
 * value where the key first stood ({"a":1,"b":2,"a":3} is {"a":3,"b":2}),
 * as Python's json and JavaScript's JSON.parse do too. */
static void drop_duplicates(cJSON *o)
{
	cJSON *c, *d;
	member *v;
	size_t n = 0, i, j, k;

	for (c = o->child; c; c = c->next)
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			drop_duplicates(c);
	if (!cJSON_IsObject(o))
		return;
	for (c = o->child; c; c = c->next)
		n++;
	if (n < 2)
		return;
	if (n <= 8) {
		for (c = o->child; c; c = c->next)
			for (d = c->next; d; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					goto sort;
		return;
	}
sort:
	/* n log n: an object may have many thousands of members. */
	v = xmalloc(n * sizeof *v);
	for (i = 0, c = o->child; c; c = c->next, i++) {
		v[i].node = c;
		v[i].order = i;
	}
	qsort(v, n, sizeof *v, by_key_then_order);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(v[i].node->string, v[j].node->string) == 0; j++)
			;
		if (j - i < 2)
			continue;
		for (k = i + 1; k < j - 1; k++)
			cJSON_Delete(cJSON_DetachItemViaPointer(o, v[k].node));
		cJSON_DetachItemViaPointer(o, v[j - 1].node);
		cJSON_ReplaceItemViaPointer(o, v[i].node, v[j - 1].node);
	}
	free(v);
}

cJSON *js_number(double d, const char *text)
{
	cJSON *v = cJSON_CreateNumber(d);
	size_t k = text && text[0] == '-', n = text ? strlen(text + k) : 0;

	if (n >= 16 && text[k] != '0' && strspn(text + k, "0123456789") == n)
		v->valuestring = xstrdup(text);
	return v;
}

static cJSON *parse(const char *text, size_t len, size_t *err_off, int keep_duplicates)
{
	const char *end = NULL;
	int wide = 0;
	size_t bad = 0, pos = 0;
	cJSON *v;

	/* Refused as Jackson refuses them, where they are. */
	if (scan_text((const unsigned char *)text, len, &bad, &wide)) {
		if (err_off)
			*err_off = bad;
		return NULL;
	}
	v = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (v) {
		/* Only white space may follow the value. */
		while (end < text + len && (*end == ' ' || *end == '\t' ||
					    *end == '\n' || *end == '\r'))
			end++;
		if (end == text + len) {
			if (wide)
				keep_integers(v, text, len, &pos);
			if (!keep_duplicates && (v->child))
				drop_duplicates(v);
			return v;
		}
		cJSON_Delete(v);
	} else {
		end = cJSON_GetErrorPtr();
	}
	if (err_off)
		*err_off = end && end >= text && end <= text + len ?
			(size_t)(end - text) : 0;
	return NULL;
}

cJSON *js_parse(const char *text, size_t len, size_t *err_off)
{
	return parse(text, len, err_off, 0);
}

cJSON *js_parse_source(const char *text, size_t len, size_t *err_off)
{
	return parse(text, len, err_off, 1);
}

static int member_count(const cJSON *o)
{
	int n = 0;
	const cJSON *c;

	for (c = o->child; c; c = c->next)
		n++;
	return n;
}

/* Numbers of which at least one is an integer kept exact: equal when
 * their digits are (a double's integral value printed in full). */
static int exact_equal(const cJSON *a, const cJSON *b)
{
	char x[400], y[400];
	const char *p = a->valuestring, *q = b->valuestring;

	if (!p) {
		if (!isfinite(a->valuedouble) || floor(a->valuedouble) != a->valuedouble)
			return 0;
		snprintf(x, sizeof x, "%.0f", a->valuedouble == 0 ? 0 : a->valuedouble);
		p = x;
	}
	if (!q) {
		if (!isfinite(b->valuedouble) || floor(b->valuedouble) != b->valuedouble)
			return 0;
		snprintf(y, sizeof y, "%.0f", b->valuedouble == 0 ? 0 : b->valuedouble);
		q = y;
	}
	return strcmp(p, q) == 0;
}

int js_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x;

	if (!a || !b)
		return a == b;
	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	switch (a->type & 0xff) {
	case cJSON_Number:
		if (a->valuestring || b->valuestring)
			return exact_equal(a, b);
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (a = a->child, b = b->child; a && b; a = a->next, b = b->next)
			if (!js_equal(a, b))
				return 0;
		return !a && !b;
	case cJSON_Object:
		if (member_count(a) != member_count(b))
			return 0;
		for (x = a->child; x; x = x->next)
			if (!js_equal(x, js_get(b, x->string)))
				return 0;
		return 1;
	default:
		return 1;
	}
}

cJSON *js_get(const cJSON *obj, const char *key)
{
	cJSON *c;

	if (!obj || !cJSON_IsObject(obj))
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (c->string && strcmp(c->string, key) == 0)
			return c;
	return NULL;
}

void js_set(cJSON *obj, const char *key, cJSON *v)
{
	if (js_get(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
	else
		cJSON_AddItemToObject(obj, key, v);
}

void js_set_const(cJSON *obj, const char *key, cJSON *v)
{
	cJSON *old = js_get(obj, key);

	if (!old) {
		cJSON_AddItemToObjectCS(obj, key, v);
		return;
	}
	if (v->string && !(v->type & cJSON_StringIsConst))
		free(v->string);
	v->string = (char *)key;
	v->type |= cJSON_StringIsConst;
	cJSON_ReplaceItemViaPointer(obj, old, v);
}

const char *js_type_name(const cJSON *v)
{
	switch (v ? v->type & 0xff : cJSON_NULL) {
	case cJSON_False:
	case cJSON_True:   return "boolean";
	case cJSON_Number: return "number";
	case cJSON_String: return "string";
	case cJSON_Array:  return "array";
	case cJSON_Object: return "object";
	default:           return "null";
	}
}

int js_is_integer(const cJSON *v)
{
	double d;

	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	return isfinite(d) && floor(d) == d && fabs(d) < 9.2e18;
}

static size_t string_size(const char *s)
{
	size_t n = 2;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == '\b' || *p == '\f' ||
		    *p == '\n' || *p == '\r' || *p == '\t') {
			n += 2;
		} else if (*p < 0x20) {
			n += 6;
		} else if (*p < 0x80) {
			n++;
		} else {
			/* As print_string: a byte that is not UTF-8 is \ufffd. */
			size_t k = utf8_seq(p, 4);

			n += k ? k : 6;
			p += k ? k - 1 : 0;
		}
	}
	return n;
}

static size_t number_size(const cJSON *v)
{
	double d = v->valuedouble;
	char buf[40];

	if (v->valuestring)
		return strlen(v->valuestring);
	if (js_is_integer(v) && fabs(d) < 1e15) {
		long long x = (long long)d;
		size_t k = x < 0 ? 2 : 1;

		if (x < 0)
			x = -x;
		while (x >= 10) {
			x /= 10;
			k++;
		}
		return k;
	}
	return (size_t)format_number(d, buf, sizeof buf);
}

/* Walks the tree instead of printing it: the payload limit is checked on
 * every state's output, so this must not allocate.  The size of an array
 * or object is cached in its (otherwise unused) valuedouble, as size + 1;
 * cJSON_Duplicate copies it along with the content it describes, and the
 * code that changes a container in place calls js_size_forget on it and
 * its ancestors (jp_assign, jp_detach). */
size_t js_printed_size(const cJSON *v)
{
	const cJSON *c;
	size_t n;

	if ((cJSON_IsArray(v) || cJSON_IsObject(v)) && v->valuedouble > 0)
		return (size_t)v->valuedouble - 1;

	switch (v->type & 0xff) {
	case cJSON_NULL:
	case cJSON_True:
		return 4;
	case cJSON_False:
		return 5;
	case cJSON_Number:
		return number_size(v);
	case cJSON_String:
		return string_size(v->valuestring);
	case cJSON_Raw:
		return strlen(v->valuestring);
	case cJSON_Array:
	case cJSON_Object:
		n = 2;
		for (c = v->child; c; c = c->next) {
			if (c != v->child)
				n++;
			if ((v->type & 0xff) == cJSON_Object)
				n += string_size(c->string) + 1;
			n += js_printed_size(c);
		}
		((cJSON *)v)->valuedouble = (double)n + 1;
		return n;
	default:
		return 0;
	}
}

void js_size_forget(cJSON *v)
{
	if (v && (cJSON_IsArray(v) || cJSON_IsObject(v)))
		v->valuedouble = 0;
}
