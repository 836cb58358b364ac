/* main.c - steplocal's entry point: hands the arguments to the CLI. */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
