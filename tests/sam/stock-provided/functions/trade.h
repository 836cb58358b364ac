/* trade.h - what StockBuyerFunction and StockSellerFunction answer: a transaction of a random number of shares. */
#ifndef TRADE_H
#define TRADE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "steplocal_lambda.h"

/* {"id", "price", "type", "qty", "timestamp"} for event {"stock_price": N}. */
static int trade(const char *type, const sll_event *ev, sll_response *out)
{
	cJSON *in = cJSON_ParseWithLength(ev->body, ev->len), *r;
	const cJSON *price = cJSON_GetObjectItemCaseSensitive(in, "stock_price");
	char id[40], num[32], qty[8], stamp[40];
	struct timeval tv;
	struct tm tm;
	char *text;
	int rc;

	if (!cJSON_IsNumber(price)) {
		cJSON_Delete(in);
		return sll_response_error(out, "KeyError", "'stock_price'");
	}
	snprintf(id, sizeof id, "%08x-%04x-4%03x-a%03x-%012x", (unsigned)rand(), (unsigned)rand() & 0xffff,
		 (unsigned)rand() & 0xfff, (unsigned)rand() & 0xfff, (unsigned)rand());
	snprintf(num, sizeof num, "%g", price->valuedouble);
	snprintf(qty, sizeof qty, "%d", 1 + rand() % 10);
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, 20, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + 19, sizeof stamp - 19, ".%06ld", (long)tv.tv_usec);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "price", num);
	cJSON_AddStringToObject(r, "type", type);
	cJSON_AddStringToObject(r, "qty", qty);
	cJSON_AddStringToObject(r, "timestamp", stamp);
	text = cJSON_PrintUnformatted(r);
	rc = sll_response_set(out, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(r);
	cJSON_Delete(in);
	return rc;
}

#endif
