/* echo.c - a complete Lambda function in C: answers each event with itself.
 *
 * Build it as the package's bootstrap (runtime: provided.al2023), from the
 * project root:
 *   cc -std=c11 -O2 -Iruntime/client -o bootstrap \
 *      runtime/client/example/echo.c runtime/client/lambda_client.c -lcurl
 */
#include "steplocal_lambda.h"

static int echo(void *ud, const sll_event *ev, sll_response *out)
{
	(void)ud;
	return sll_response_set(out, ev->body, ev->len);
}

int main(void)
{
	return sll_run(echo, NULL) != 0;
}
