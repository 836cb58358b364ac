/* fixtures.c - the files a fuzzed project file or template may name (see fixtures.h). */
#include "fixtures.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "xalloc.h"

#define DEF_JSON "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}\n"
#define DEF_YAML "StartAt: P\nStates:\n  P: {Type: Pass, End: true}\n"
#define TEMPLATE "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n" \
	"    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12, Handler: app.h, CodeUri: src}\n"

static const char *const folders[] = {
	"fn", "functions", "functions/validate", "functions/stock-checker", "functions/stock-buyer",
	"functions/stock-seller", "functions/stock_checker", "functions/stock_buyer",
	"functions/stock_seller", "code", "src", "layer", "workflows", "statemachine", "defs",
};

static const struct { const char *path, *text; int mode; } files[] = {
	{ "fn/app.py", "def handler(e, c):\n    return e\n", 0644 },
	{ "fn/index.js", "exports.handler = async (e) => e;\n", 0644 },
	{ "fn/bootstrap", "#!/bin/sh\nexit 0\n", 0755 },
	{ "functions/validate/app.py", "def handler(e, c):\n    return e\n", 0644 },
	{ "functions/pay.zip", "PK\005\006\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 0644 },
	{ "code/index.js", "exports.handler = async (e) => e;\n", 0644 },
	{ "code.zip", "PK\005\006\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 0644 },
	{ "src/app.py", "def handler(e, c):\n    return e\n", 0644 },
	{ "workflows/order.asl.json", DEF_JSON, 0644 },
	{ "workflows/notify.asl.yaml", DEF_YAML, 0644 },
	{ "statemachine/stock_trader.asl.json", DEF_JSON, 0644 },
	{ "defs/flow.asl.yaml", DEF_YAML, 0644 },
	/* Integers a double does not hold, kept by js_parse (json.h). */
	{ "workflows/big.asl.json", "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\","
	  "\"Result\":[12345678901234567890,-9007199254740993],\"End\":true}}}\n", 0644 },
	{ "flow.asl.json", DEF_JSON, 0644 },
	{ "bad.asl.json", "{\"StartAt\": ", 0644 },
	{ "template.yaml", TEMPLATE, 0644 },
	{ "env.json", "{\"Parameters\": {\"MODE\": \"x\"}}\n", 0644 },
};

void fz_fixtures(const char *dir)
{
	size_t i;

	for (i = 0; i < sizeof folders / sizeof *folders; i++) {
		char *p = xasprintf("%s/%s", dir, folders[i]);

		mkdir(p, 0755);
		free(p);
	}
	for (i = 0; i < sizeof files / sizeof *files; i++) {
		char *p = xasprintf("%s/%s", dir, files[i].path);
		/* The empty-archive texts hold NUL bytes: 22 bytes each. */
		size_t n = strncmp(files[i].text, "PK", 2) == 0 ? 22 : strlen(files[i].text);

		if (fz_write(p, files[i].text, n) != 0 || chmod(p, (mode_t)files[i].mode) != 0)
			fz_fail(__FILE__, __LINE__, "cannot write a fixture");
		free(p);
	}
}
