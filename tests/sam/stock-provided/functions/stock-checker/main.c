/* StockCheckerFunction: the price of a stock, at random (the stock trader of `sam init`, in C). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "steplocal_lambda.h"

static int check(void *ud, const sll_event *ev, sll_response *out)
{
	char body[64];

	(void)ud;
	(void)ev;
	snprintf(body, sizeof body, "{\"stock_price\":%d}", rand() % 101);
	return sll_response_set(out, body, strlen(body));
}

int main(void)
{
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	return sll_run(check, NULL) != 0;
}
