// C side of package nsenter: see doc.go.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_NS 16

// json_str writes s to fd as the inside of a JSON string.
static void json_str(int fd, const char *s) {
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			dprintf(fd, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			dprintf(fd, "\\u%04x", *s);
		else
			dprintf(fd, "%c", *s);
	}
}

// die reports the failure as an error message on the runtime's sync socket
// (so that it becomes the runtime's one-line error), or on stderr.
static void die(const char *what, const char *path) {
	const char *err = strerror(errno);
	const char *sync = getenv("_BERTH_SYNC_FD");
	int fd = sync ? atoi(sync) : -1;
	if (fd > 2) {
		dprintf(fd, "{\"type\":\"error\",\"msg\":\"");
		json_str(fd, what);
		dprintf(fd, " ");
		json_str(fd, path);
		dprintf(fd, ": ");
		json_str(fd, err);
		dprintf(fd, "\"}\n");
	} else {
		fprintf(stderr, "nsenter: %s %s: %s\n", what, path, err);
	}
	_exit(1);
}

static unsigned long long orig_nofile;
static int orig_nofile_ok;

// berth_orig_nofile returns the soft RLIMIT_NOFILE seen before the Go
// runtime started (it raises the soft limit to the hard one).
unsigned long long berth_orig_nofile(int *ok) {
	*ok = orig_nofile_ok;
	return orig_nofile;
}

void berth_nsenter(void) {
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		orig_nofile = rl.rlim_cur;
		orig_nofile_ok = 1;
	}
	const char *env = getenv("_BERTH_NSENTER");
	if (env == NULL || *env == '\0')
		return;
	char *list = strdup(env);
	if (list == NULL)
		die("copy", "namespace list");
	int fds[MAX_NS];
	char *paths[MAX_NS];
	int types[MAX_NS];
	int n = 0;
	for (char *save = NULL, *p = strtok_r(list, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		if (n == MAX_NS) {
			errno = E2BIG;
			die("join", "namespaces");
		}
		/* entries are TYPE=PATH */
		char *eq = strchr(p, '=');
		if (eq == NULL) {
			errno = EINVAL;
			die("parse", p);
		}
		*eq = '\0';
		const char *t = p;
		int type = 0;
		if (!strcmp(t, "user")) type = CLONE_NEWUSER;
		else if (!strcmp(t, "ipc")) type = CLONE_NEWIPC;
		else if (!strcmp(t, "uts")) type = CLONE_NEWUTS;
		else if (!strcmp(t, "network")) type = CLONE_NEWNET;
		else if (!strcmp(t, "cgroup")) type = CLONE_NEWCGROUP;
		else if (!strcmp(t, "mount")) type = CLONE_NEWNS;
#ifdef CLONE_NEWTIME
		else if (!strcmp(t, "time")) type = CLONE_NEWTIME;
#endif
		else {
			errno = EINVAL;
			die("unknown namespace type", t);
		}
		paths[n] = eq + 1;
		types[n] = type;
		fds[n] = open(paths[n], O_RDONLY | O_CLOEXEC);
		if (fds[n] < 0)
			die("open namespace", paths[n]);
		n++;
	}
	/* Nothing in this process may be inspected from inside the container. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* user first (gives the capabilities in the others), mount last. */
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < n; i++) {
			int want = (pass == 0) ? types[i] == CLONE_NEWUSER
				 : (pass == 2) ? types[i] == CLONE_NEWNS
				 : (types[i] != CLONE_NEWUSER && types[i] != CLONE_NEWNS);
			if (!want)
				continue;
			if (setns(fds[i], types[i]) < 0)
				die("join namespace", paths[i]);
			close(fds[i]);
		}
	}
	free(list);
	unsetenv("_BERTH_NSENTER");
}
