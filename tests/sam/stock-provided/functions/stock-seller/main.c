/* StockSellerFunction: sells a random number of shares (the stock trader of `sam init`, in C). */
#include <time.h>
#include <unistd.h>

#include "../trade.h"

static int handle(void *ud, const sll_event *ev, sll_response *out)
{
	(void)ud;
	return trade("sell", ev, out);
}

int main(void)
{
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	return sll_run(handle, NULL) != 0;
}
