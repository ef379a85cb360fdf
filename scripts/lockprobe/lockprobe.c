/* lockprobe: an LD_PRELOAD library that times, per thread, every epoll_wait and every wait on
 * a condition variable (the emulated GIL's and CPython's take_gil/drop_gil both wait on one),
 * and writes them out when the program ends. It shows who waited for the lock, who won it
 * and how long the event loop's thread held it between two polls, in the explorer and in
 * CPython alike (scripts/lockprobe/passes.py reads the file).
 *
 * Build: cc -O2 -shared -fPIC -o lockprobe.so lockprobe.c -ldl
 * Use:   LOCKPROBE_OUT=events.txt LD_PRELOAD=$PWD/lockprobe.so PROGRAM ...
 * Output, one line per call: thread id, call (0 epoll_wait, 1 timed condition wait,
 * 2 untimed condition wait), start ns, end ns (CLOCK_MONOTONIC), and the epoll timeout in ms
 * or the wait's result (110: timed out). Linux only; written for this project.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int tid, call;
    long long start, end;
    int arg;
} Event;

enum { kMaxEvents = 2000000 };
static Event events[kMaxEvents];
static atomic_int count;

static long long nowNs(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void record(int call, long long start, long long end, int arg)
{
    const int i = atomic_fetch_add(&count, 1);
    if (i < kMaxEvents)
        events[i] = (Event){(int)syscall(SYS_gettid), call, start, end, arg};
}

int epoll_wait(int fd, struct epoll_event* ev, int max, int timeout)
{
    static int (*real)(int, struct epoll_event*, int, int);
    if (!real)
        real = (int (*)(int, struct epoll_event*, int, int))dlsym(RTLD_NEXT, "epoll_wait");
    const long long t0 = nowNs();
    const int r = real(fd, ev, max, timeout);
    record(0, t0, nowNs(), timeout);
    return r;
}

int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* at)
{
    static int (*real)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
    if (!real)
        real = (int (*)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*))dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
    const long long t0 = nowNs();
    const int r = real(c, m, at);
    record(1, t0, nowNs(), r);
    return r;
}

int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock, const struct timespec* at)
{
    static int (*real)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
    if (!real)
        real = (int (*)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*))dlsym(RTLD_NEXT, "pthread_cond_clockwait");
    const long long t0 = nowNs();
    const int r = real(c, m, clock, at);
    record(1, t0, nowNs(), r);
    return r;
}

int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m)
{
    static int (*real)(pthread_cond_t*, pthread_mutex_t*);
    if (!real)
        real = (int (*)(pthread_cond_t*, pthread_mutex_t*))dlvsym(RTLD_NEXT, "pthread_cond_wait", "GLIBC_2.3.2");
    const long long t0 = nowNs();
    const int r = real(c, m);
    record(2, t0, nowNs(), 0);
    return r;
}

__attribute__((destructor)) static void writeOut(void)
{
    const char* path = getenv("LOCKPROBE_OUT");
    if (!path)
        return;
    FILE* out = fopen(path, "w");
    if (!out)
        return;
    const int n = count < kMaxEvents ? count : kMaxEvents;
    for (int i = 0; i < n; ++i)
        fprintf(out, "%d %d %lld %lld %d\n", events[i].tid, events[i].call, events[i].start, events[i].end, events[i].arg);
    fclose(out);
}
