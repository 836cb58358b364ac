/* fixtures.h - the files a fuzzed project file or template may name: code folders, .zip files, definitions. */
#ifndef SL_FUZZ_FIXTURES_H
#define SL_FUZZ_FIXTURES_H

/* Creates, inside the existing folder dir, the code folders, packages and
 * definition files that the seed projects (tests/projects) and templates
 * (tests/sam) name, so that a fuzzed file gets past "does not exist" into
 * the checks behind it. */
void fz_fixtures(const char *dir);

#endif
