/* interp.h - the interpreter a python3.N or nodejsN.x environment runs.
 *
 * AWS runs python3.12 functions on Python 3.12.  Locally the closest match
 * on PATH is taken: a real python3.N first, then python3; node for
 * nodejsN.x.  Version managers (pyenv, asdf, volta) put shell-script shims
 * on PATH that cost a shell and a version lookup - hundreds of milliseconds
 * here - at every start; the python3 or node shim is run once, asked for
 * the interpreter it starts (sys.executable, process.execPath), and that
 * program is exec'd from then on.  (A python3.N shim is passed over: when
 * that version is not the selected one, pyenv's takes over a second to
 * say so.)  Answers are remembered for the life of the process, per
 * runtime and PATH.
 */
#ifndef SL_INTERP_H
#define SL_INTERP_H

/* family: "python" or "nodejs"; runtime: python3.N | nodejsN.x; path: the
 * PATH the function gets; cwd and envp: where and with what a shim is run
 * (the function's package folder and environment, as a shim reads
 * .python-version and the like from them).  Returns an owned absolute path,
 * or NULL when no candidate is on PATH.  The first time a runtime is
 * resolved to an interpreter of another version than it names, one line
 * says so on stderr. */
char *interp_find(const char *family, const char *runtime, const char *path, const char *cwd,
		  char *const envp[]);

#endif
