/* FulfillOrder: ships a paid order (C, on the steplocal runtime client). */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "steplocal_lambda.h"

static int fulfill(void *ud, const sll_event *ev, sll_response *out)
{
	cJSON *order = cJSON_ParseWithLength(ev->body, ev->len), *r;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(order, "order_id");
	char *text;

	(void)ud;
	if (!cJSON_IsString(id)) {
		cJSON_Delete(order);
		return sll_response_error(out, "InvalidOrder", "the order has no order_id");
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "order_id", id->valuestring);
	cJSON_AddStringToObject(r, "shipment_id", "ship-42");
	cJSON_AddStringToObject(r, "status", "SHIPPED");
	text = cJSON_PrintUnformatted(r);
	fprintf(stderr, "shipping order %s\n", id->valuestring);
	sll_response_set(out, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(r);
	cJSON_Delete(order);
	return 0;
}

int main(void)
{
	return sll_run(fulfill, NULL);
}
