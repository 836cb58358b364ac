/* maxrss: runs a command and reports its own peak RSS, for bench/bench.py.
 *
 *   maxrss REPORT_FILE COMMAND [ARG...]
 *
 * Writes "<wait status> <ru_maxrss in KB>" to REPORT_FILE and exits with the
 * command's exit code (128+signal when killed).  It exists because Linux
 * carries the forking parent's RSS into the child's ru_maxrss (fork copies
 * the high-water mark and exec keeps it): a command forked from the Python
 * driver, which holds large JSON documents, would report at least the
 * driver's size.  Forked from this small process, the floor is ~1 MB. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: maxrss REPORT_FILE COMMAND [ARG...]\n");
		return 125;
	}
	pid = fork();
	if (pid < 0) {
		perror("maxrss: fork");
		return 125;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("maxrss: exec");
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno == EINTR)
			continue;
		perror("maxrss: wait4");
		return 125;
	}
	f = fopen(argv[1], "w");
	if (f == NULL || fprintf(f, "%d %ld\n", status, ru.ru_maxrss) < 0 || fclose(f) != 0) {
		perror("maxrss: report");
		return 125;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
