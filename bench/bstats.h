/* bstats.h - timing helpers shared by the bench's C tools (floors.c, lambda_bench.c): a monotonic clock and percentiles. */
#ifndef SL_BSTATS_H
#define SL_BSTATS_H

#include <stdlib.h>
#include <time.h>

/* Microseconds on CLOCK_MONOTONIC. */
static inline double bs_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int bs_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v[0..n) in place; the caller then reads percentiles with bs_pct. */
static inline void bs_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bs_cmp);
}

/* The p-th percentile (0..100, nearest rank) of a sorted array; 0 if empty.
 * The median of an even count is the mean of the two middle values. */
static inline double bs_pct(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	if (p == 50)
		return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

#endif
