/* Calls each syscall the seccomp tests care about with harmless arguments and prints
 * "name errno" (0: the call succeeded) one per line, so that a composer container and a
 * Docker container can be compared call by call. Static, so any rootfs can run it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, long result) {
    printf("%s %d\n", name, result == -1 ? errno : 0);
}

int main(void) {
    char handle[128 + 8];
    int mount_id = 0;
    memset(handle, 0, sizeof handle);
    *(unsigned int *)handle = 128;
    /* first: after unshare(CLONE_NEWUSER) below, this process has no uid mapping for a second one */
    long child = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (child == 0)
        _exit(0);
    if (child > 0)
        waitpid((pid_t)child, NULL, 0);
    report("clone_newuser", child);
    report("unshare_user", syscall(SYS_unshare, CLONE_NEWUSER));
    report("unshare_net", syscall(SYS_unshare, CLONE_NEWNET));
    report("setns", syscall(SYS_setns, -1, 0));
    report("mount", syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL));
    report("umount2", syscall(SYS_umount2, "/no-such-dir", 0));
    report("pivot_root", syscall(SYS_pivot_root, "/no-such-dir", "/no-such-dir"));
    report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0));
    report("add_key", syscall(SYS_add_key, "user", "probe", "x", 1, -3));
    report("syslog", syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0));
    report("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, "/", handle, &mount_id, 0));
    report("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/", 0));
    report("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
    report("mount_setattr", syscall(SYS_mount_setattr, -1, "", 0, NULL, 0));
    report("clone3", syscall(SYS_clone3, NULL, 0));
    report("bpf", syscall(SYS_bpf, 0, NULL, 0));
    report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    report("userfaultfd", syscall(SYS_userfaultfd, 0));
    report("swapoff", syscall(SYS_swapoff, "/no-such-file"));
    report("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
    report("init_module", syscall(SYS_init_module, NULL, 0, ""));
    report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
    report("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
    report("acct", syscall(SYS_acct, NULL));
    report("sethostname", syscall(SYS_sethostname, "probe", 5));
    return 0;
}
