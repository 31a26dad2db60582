/* The ambassador bench's load generator (ambassador_bench.py compiles it with gcc -O2):
   an echo server, a connection-rate client and two latency clients. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static int dial(int port) {  /* to $LOADGEN_ADDR (default loopback) */
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    const char *host = getenv("LOADGEN_ADDR");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = host ? inet_addr(host) : htonl(INADDR_LOOPBACK)};
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { close(fd); return -1; }
    return fd;
}

static int io_full(int fd, char *buf, int n, int writing) {
    for (int done = 0; done < n;) {
        int r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
        if (r <= 0) return -1;
        done += r;
    }
    return n;
}

static pid_t workers_pid[64];
static int workers_count;

static void stop_workers(int sig) {
    (void)sig;
    for (int i = 0; i < workers_count; i++) kill(workers_pid[i], SIGKILL);
    while (wait(NULL) > 0) {}
    _exit(0);
}

static void serve(int port, int workers) {  /* echo server: forked workers share the listener */
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 4096) < 0) { perror("bind"); exit(1); }
    for (int i = 0; i < workers && i < 64; i++) {
        pid_t pid = fork();
        if (pid > 0) { workers_pid[workers_count++] = pid; continue; }
        if (pid == 0) {
            static char buf[65536];
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            for (;;) {
                int c = accept(ls, NULL, NULL), r;
                if (c < 0) continue;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                while ((r = read(c, buf, sizeof buf)) > 0)
                    if (io_full(c, buf, r, 1) < 0) break;
                close(c);
            }
        }
    }
    signal(SIGTERM, stop_workers);
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}

static void rate(int port, double seconds, int procs) {
    long *counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    double start = now(), end = start + seconds;
    for (int i = 0; i < procs; i++) {
        if (fork() == 0) {
            char buf[16] = "0123456789abcdef";
            long n = 0, errs = 0;
            while (now() < end) {
                int fd = dial(port);
                if (fd < 0) { errs++; continue; }
                if (io_full(fd, buf, 16, 1) < 0 || io_full(fd, buf, 16, 0) < 0) errs++; else n++;
                close(fd);
            }
            counts[i * 2] = n; counts[i * 2 + 1] = errs;
            _exit(0);
        }
    }
    while (wait(NULL) > 0) {}
    double elapsed = now() - start;
    long total = 0, errs = 0;
    for (int i = 0; i < procs; i++) { total += counts[i * 2]; errs += counts[i * 2 + 1]; }
    printf("%.1f %ld\n", total / elapsed, errs);
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static void report(double *lat, int count) {
    qsort(lat, count, sizeof *lat, cmp);
    printf("%.1f %.1f\n", lat[count / 2] * 1e6, lat[(int)(count * 0.99)] * 1e6);
}

static void pingpong(int port, int count, int size) {
    int fd = dial(port);
    char *buf = calloc(1, size);
    double *lat = malloc(count * sizeof *lat);
    if (fd < 0) { perror("connect"); exit(1); }
    for (int i = -200; i < count; i++) {  /* the first 200 warm up */
        double t0 = now();
        if (io_full(fd, buf, size, 1) < 0 || io_full(fd, buf, size, 0) < 0) { perror("pingpong"); exit(1); }
        if (i >= 0) lat[i] = now() - t0;
    }
    report(lat, count);
}

static void connlat(int port, int count) {
    char buf[16] = "0123456789abcdef";
    double *lat = malloc(count * sizeof *lat);
    for (int i = 0; i < count; i++) {
        double t0 = now();
        int fd = dial(port);
        if (fd < 0 || io_full(fd, buf, 16, 1) < 0 || io_full(fd, buf, 16, 0) < 0) { perror("connect"); exit(1); }
        close(fd);
        lat[i] = now() - t0;
    }
    report(lat, count);
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "serve")) serve(atoi(argv[2]), atoi(argv[3]));
    else if (argc == 5 && !strcmp(argv[1], "rate")) rate(atoi(argv[2]), atof(argv[3]), atoi(argv[4]));
    else if (argc == 5 && !strcmp(argv[1], "pingpong")) pingpong(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    else if (argc == 4 && !strcmp(argv[1], "connlat")) connlat(atoi(argv[2]), atoi(argv[3]));
    else { fprintf(stderr, "usage: loadgen serve PORT WORKERS | rate PORT SECONDS PROCS | pingpong PORT COUNT SIZE | connlat PORT COUNT\n"); return 2; }
    return 0;
}
