/* cli.h - the steplocal command line: argument parsing and the commands. */
#ifndef SL_CLI_H
#define SL_CLI_H

/* Runs the command line; returns the process exit status (0 success,
 * 1 a FAILED/TIMED_OUT/ABORTED execution or a failed command, 2 a usage or
 * validation error). */
int cli_main(int argc, char **argv);

#endif
