/* UpdateInventory: reserves the order's items (C, on the steplocal runtime client). */
#include <string.h>

#include "steplocal_lambda.h"

static int update(void *ud, const sll_event *ev, sll_response *out)
{
	static const char reply[] = "{\"inventory\":\"reserved\"}";

	(void)ud;
	(void)ev;
	sll_response_set(out, reply, strlen(reply));
	return 0;
}

int main(void)
{
	return sll_run(update, NULL);
}
