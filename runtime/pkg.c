/* pkg.c - code packages (pkg.h): folders as they are, zip files extracted once by content hash. */
#include "pkg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zip.h>

#include "xalloc.h"

unsigned long long pkg_max_unzipped_bytes = PKG_MAX_UNZIPPED_BYTES;

#define PKG_COPY_CHUNK  65536   /* bytes read from an entry at a time */
#define PKG_DIR_MODE    0755
#define PKG_FILE_MODE   0644    /* for entries that record no Unix mode */

#define PKG_STR_(x) #x
#define PKG_STR(x) PKG_STR_(x)

/* What an entry is, from its name and its recorded attributes. */
typedef enum { ENT_FILE, ENT_DIR, ENT_REFUSED } ent_kind;

/* ------------------------------------------------------------------ helpers */

/* The whole file at path, in an owned buffer, or NULL with errno set
 * (EFBIG when it is larger than max). */
static unsigned char *read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *data;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return NULL;
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			free(data);
			close(fd);
			errno = e;
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return data;
}

/* Lowercase hex SHA-256 of data into hex (65 bytes); 0 or -1. */
static int sha256_hex(const unsigned char *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* mkdir -p; 0 or -1 with errno. */
static int mkdirs(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int r = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) != 0 && errno != EEXIST) {
				r = -1;
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (r == 0) {
		struct stat st;

		if (stat(path, &st) != 0)
			r = -1;
		else if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			r = -1;
		}
	}
	free(p);
	return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* rm -rf path (best effort: used to clean up after a refused archive). */
static void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The entry's name made relative and normalised ("a//./b/" -> "a/b"), or
 * NULL with *why set when it is absolute or climbs out with "..".  Both '/'
 * and '\' count as separators for this check, since archives made on
 * Windows use either.  Owned. */
static char *safe_name(const char *name, const char **why)
{
	size_t n = strlen(name);
	char *out = xmalloc(n + 1), *o = out;
	const char *s = name;

	if (n == 0) {
		*why = "has an empty name";
		goto bad;
	}
	if (n > PKG_MAX_NAME) {
		*why = "has a name longer than " PKG_STR(PKG_MAX_NAME) " bytes";
		goto bad;
	}
	if (name[0] == '/' || name[0] == '\\' ||
	    (isalpha((unsigned char)name[0]) && name[1] == ':')) {
		*why = "is an absolute path";
		goto bad;
	}
	while (*s) {
		const char *e = s;
		size_t len;

		while (*e && *e != '/' && *e != '\\')
			e++;
		len = (size_t)(e - s);
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			*why = "escapes the package folder (\"..\")";
			goto bad;
		}
		/* Keep the name as written, backslashes included: only the check
		 * treats them as separators, as unzip on Linux does not. */
		if (len && !(len == 1 && s[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, s, len);
			o += len;
		}
		s = *e ? e + 1 : e;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* Classifies entry i and computes the mode it is created with. */
static ent_kind entry_kind(zip_t *za, zip_uint64_t i, const char *name, mode_t *mode,
			   const char **why)
{
	zip_uint8_t opsys = 0;
	zip_uint32_t attr = 0;
	size_t n = strlen(name);
	int is_dir = n > 0 && (name[n - 1] == '/' || name[n - 1] == '\\');

	*mode = is_dir ? PKG_DIR_MODE : PKG_FILE_MODE;
	if (zip_file_get_external_attributes(za, i, 0, &opsys, &attr) != 0)
		return is_dir ? ENT_DIR : ENT_FILE;
	if (opsys == ZIP_OPSYS_UNIX) {
		mode_t m = (mode_t)(attr >> 16);

		switch (m & S_IFMT) {
		case 0:
			break;
		case S_IFREG:
			if (is_dir) {
				*why = "is a file with a folder's name";
				return ENT_REFUSED;
			}
			break;
		case S_IFDIR:
			is_dir = 1;
			break;
		case S_IFLNK:
			*why = "is a symbolic link";
			return ENT_REFUSED;
		default:
			*why = "is a device, FIFO or socket";
			return ENT_REFUSED;
		}
		if (is_dir)
			*mode = PKG_DIR_MODE;
		else if (m & 0777)
			*mode = (m & 0755) | 0600;
	} else if (attr & 0x10) { /* MS-DOS directory attribute */
		is_dir = 1;
		*mode = PKG_DIR_MODE;
	}
	return is_dir ? ENT_DIR : ENT_FILE;
}

/* ------------------------------------------------------------------ extraction */

/* Checks every entry before anything is written.  Returns 0, or -1 with
 * *err set. */
static int check_archive(zip_t *za, const char *code, size_t zip_len, char **err)
{
	zip_int64_t count = zip_get_num_entries(za, 0);
	unsigned long long total = 0, compressed = 0;
	zip_int64_t i;

	if (count > PKG_MAX_ENTRIES) {
		*err = xasprintf("code package '%s' has %lld entries; the limit is %d", code,
				 (long long)count, PKG_MAX_ENTRIES);
		return -1;
	}
	for (i = 0; i < count; i++) {
		const char *name = zip_get_name(za, (zip_uint64_t)i, 0), *why = NULL;
		zip_stat_t st;
		mode_t mode;
		char *rel;

		if (!name || zip_stat_index(za, (zip_uint64_t)i, 0, &st) != 0) {
			*err = xasprintf("code package '%s' is corrupt: entry %lld: %s", code,
					 (long long)i, zip_strerror(za));
			return -1;
		}
		if (!(rel = safe_name(name, &why))) {
			*err = xasprintf("code package '%s': entry '%s' %s", code, name, why);
			return -1;
		}
		free(rel);
		if (entry_kind(za, (zip_uint64_t)i, name, &mode, &why) == ENT_REFUSED) {
			*err = xasprintf("code package '%s': entry '%s' %s; packages may hold only "
					 "files and folders", code, name, why);
			return -1;
		}
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
			*err = xasprintf("code package '%s': entry '%s' is encrypted", code, name);
			return -1;
		}
		if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE)) {
			*err = xasprintf("code package '%s' is corrupt: entry '%s' has no size", code, name);
			return -1;
		}
		total += st.size;
		compressed += st.comp_size;
		if (total > pkg_max_unzipped_bytes) {
			*err = xasprintf("code package '%s': unzipped size must be at most %llu bytes, "
					 "and entry '%s' brings it to %llu", code,
					 pkg_max_unzipped_bytes, name, total);
			return -1;
		}
		if (st.size >= PKG_RATIO_MIN_BYTES &&
		    (st.comp_size == 0 || st.size / st.comp_size > PKG_MAX_RATIO)) {
			*err = xasprintf("code package '%s': entry '%s' expands %llu bytes to %llu, over "
					 "the %d:1 compression ratio limit (a zip bomb?)", code, name,
					 (unsigned long long)st.comp_size,
					 (unsigned long long)st.size, PKG_MAX_RATIO);
			return -1;
		}
	}
	if (compressed > zip_len) {
		*err = xasprintf("code package '%s': its entries claim %llu compressed bytes, more than "
				 "the file's %zu: entries overlap (a zip bomb?)", code, compressed,
				 zip_len);
		return -1;
	}
	return 0;
}

/* Writes entry i (declared size `size`) to path with mode.  Returns 0, or
 * -1 with *err set. */
static int extract_file(zip_t *za, zip_uint64_t i, const char *code, const char *name,
			const char *path, mode_t mode, zip_uint64_t size, char **err)
{
	zip_file_t *zf = zip_fopen_index(za, i, 0);
	char *chunk;
	zip_uint64_t written = 0;
	int fd, r = -1;

	if (!zf) {
		*err = xasprintf("code package '%s': entry '%s' cannot be read: %s", code, name,
				 zip_strerror(za));
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = errno == EEXIST
			? xasprintf("code package '%s': entry '%s' appears twice", code, name)
			: xasprintf("code package '%s': entry '%s' cannot be written: %s", code, name,
				    strerror(errno));
		zip_fclose(zf);
		return -1;
	}
	chunk = xmalloc(PKG_COPY_CHUNK);
	for (;;) {
		zip_int64_t n = zip_fread(zf, chunk, PKG_COPY_CHUNK);
		size_t off = 0;

		if (n < 0) {
			*err = xasprintf("code package '%s' is corrupt: entry '%s': %s", code, name,
					 zip_file_strerror(zf));
			goto out;
		}
		if (n == 0)
			break;
		/* Never trust the declared size: stop at it. */
		if ((zip_uint64_t)n > size - written) {
			*err = xasprintf("code package '%s' is corrupt: entry '%s' holds more than its "
					 "declared %llu bytes", code, name, (unsigned long long)size);
			goto out;
		}
		while (off < (size_t)n) {
			ssize_t w = write(fd, chunk + off, (size_t)n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				*err = xasprintf("code package '%s': entry '%s' cannot be written: %s",
						 code, name, strerror(errno));
				goto out;
			}
			off += (size_t)w;
		}
		written += (zip_uint64_t)n;
	}
	if (written != size) {
		*err = xasprintf("code package '%s' is corrupt: entry '%s' holds %llu bytes, not the "
				 "declared %llu", code, name, (unsigned long long)written,
				 (unsigned long long)size);
		goto out;
	}
	if (fchmod(fd, mode) != 0) {
		*err = xasprintf("code package '%s': entry '%s': chmod: %s", code, name, strerror(errno));
		goto out;
	}
	r = 0;
out:
	free(chunk);
	if (close(fd) != 0 && r == 0) {
		*err = xasprintf("code package '%s': entry '%s' cannot be written: %s", code, name,
				 strerror(errno));
		r = -1;
	}
	zip_fclose(zf);
	return r;
}

/* Extracts every entry under dir (which exists and is empty). */
static int extract_all(zip_t *za, const char *code, const char *dir, char **err)
{
	zip_int64_t count = zip_get_num_entries(za, 0), i;

	for (i = 0; i < count; i++) {
		const char *name = zip_get_name(za, (zip_uint64_t)i, 0), *why = NULL;
		char *rel, *path, *slash;
		zip_stat_t st;
		mode_t mode;
		ent_kind kind;
		int r = 0;

		if (!name || zip_stat_index(za, (zip_uint64_t)i, 0, &st) != 0) {
			*err = xasprintf("code package '%s' is corrupt: entry %lld: %s", code,
					 (long long)i, zip_strerror(za));
			return -1;
		}
		rel = safe_name(name, &why); /* checked already: not NULL */
		kind = entry_kind(za, (zip_uint64_t)i, name, &mode, &why);
		if (!rel || kind == ENT_REFUSED) {
			free(rel);
			*err = xasprintf("code package '%s': entry '%s' is refused", code, name);
			return -1;
		}
		if (!*rel) { /* "./" and the like: the folder itself */
			free(rel);
			if (kind == ENT_DIR)
				continue;
			*err = xasprintf("code package '%s': entry '%s' has no file name", code, name);
			return -1;
		}
		path = xasprintf("%s/%s", dir, rel);
		if (kind == ENT_DIR) {
			r = mkdirs(path, PKG_DIR_MODE);
		} else {
			slash = strrchr(path, '/');
			*slash = '\0';
			r = mkdirs(path, PKG_DIR_MODE);
			*slash = '/';
		}
		if (r != 0)
			*err = xasprintf("code package '%s': entry '%s' cannot be created: %s", code,
					 name, strerror(errno));
		else if (kind == ENT_FILE)
			r = extract_file(za, (zip_uint64_t)i, code, name, path, mode, st.size, err);
		free(path);
		free(rel);
		if (r != 0)
			return -1;
	}
	return 0;
}

/* Extracts the zip held in data into cache_dir/<hex>, through a temporary
 * folder renamed into place.  Returns 0, or -1 with *err set. */
static int unpack(const unsigned char *data, size_t len, const char *code, const char *cache_dir,
		  const char *final, char **err)
{
	zip_error_t zerr;
	zip_source_t *src;
	zip_t *za;
	char *tmp;
	int r = -1;

	zip_error_init(&zerr);
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (!src) {
		*err = xasprintf("code package '%s': %s", code, zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		return -1;
	}
	za = zip_open_from_source(src, ZIP_RDONLY, &zerr);
	if (!za) {
		*err = xasprintf("code package '%s' is not a valid zip archive: %s", code,
				 zip_error_strerror(&zerr));
		zip_source_free(src);
		zip_error_fini(&zerr);
		return -1;
	}
	zip_error_fini(&zerr);
	if (check_archive(za, code, len, err) != 0)
		goto out;
	tmp = xasprintf("%s/.tmp-XXXXXX", cache_dir);
	if (!mkdtemp(tmp)) {
		*err = xasprintf("code package '%s': cannot create a folder in '%s': %s", code,
				 cache_dir, strerror(errno));
		free(tmp);
		goto out;
	}
	chmod(tmp, PKG_DIR_MODE);
	if (extract_all(za, code, tmp, err) != 0) {
		rm_tree(tmp);
		free(tmp);
		goto out;
	}
	if (rename(tmp, final) != 0) {
		struct stat st;
		int e = errno;

		rm_tree(tmp);
		/* Another process extracted the same archive first: use its copy. */
		if (!((e == EEXIST || e == ENOTEMPTY) && stat(final, &st) == 0 && S_ISDIR(st.st_mode))) {
			*err = xasprintf("code package '%s': cannot move the extracted folder to '%s': %s",
					 code, final, strerror(e));
			free(tmp);
			goto out;
		}
	}
	free(tmp);
	r = 0;
out:
	zip_discard(za);
	return r;
}

/* ------------------------------------------------------------------ pkg_resolve */

char *pkg_resolve(const char *code, const char *cache_dir, char **err)
{
	struct stat st;
	unsigned char *data;
	size_t len = 0;
	char hex[65], *final, *abs;

	*err = NULL;
	if (!code || !*code) {
		*err = xstrdup("code is empty: give a folder or a .zip file");
		return NULL;
	}
	if (stat(code, &st) != 0) {
		*err = xasprintf("code '%s': %s", code, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!(abs = realpath(code, NULL))) {
			*err = xasprintf("code '%s': %s", code, strerror(errno));
			return NULL;
		}
		return abs;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = xasprintf("code '%s' is neither a folder nor a .zip file", code);
		return NULL;
	}
	if (!cache_dir || !*cache_dir) {
		*err = xasprintf("code package '%s': no cache folder to extract it into", code);
		return NULL;
	}
	/* Read once: the bytes hashed are the bytes extracted.  A zip larger
	 * than twice the unzipped limit cannot be within it. */
	data = read_file(code, pkg_max_unzipped_bytes * 2 + 65536, &len);
	if (!data) {
		*err = errno == EFBIG
			? xasprintf("code package '%s' is larger than %llu bytes", code,
				    pkg_max_unzipped_bytes * 2 + 65536)
			: xasprintf("code package '%s': %s", code, strerror(errno));
		return NULL;
	}
	if (sha256_hex(data, len, hex) != 0) {
		free(data);
		*err = xasprintf("code package '%s': SHA-256 failed", code);
		return NULL;
	}
	final = xasprintf("%s/%s", cache_dir, hex);
	if (stat(final, &st) != 0) {
		if (mkdirs(cache_dir, PKG_DIR_MODE) != 0) {
			*err = xasprintf("code package '%s': cannot create the cache folder '%s': %s",
					 code, cache_dir, strerror(errno));
		} else if (unpack(data, len, code, cache_dir, final, err) == 0 &&
			   stat(final, &st) != 0) {
			*err = xasprintf("code package '%s': '%s': %s", code, final, strerror(errno));
		}
	} else if (!S_ISDIR(st.st_mode)) {
		*err = xasprintf("code package '%s': '%s' is in the way and not a folder", code, final);
	}
	free(data);
	if (*err) {
		free(final);
		return NULL;
	}
	abs = realpath(final, NULL);
	if (!abs)
		*err = xasprintf("code package '%s': '%s': %s", code, final, strerror(errno));
	free(final);
	return abs;
}
