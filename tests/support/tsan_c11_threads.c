// C11 threads (<threads.h>) over pthreads, preloaded into the TSan runs by
// scripts/sanitize.sh. librdkafka creates its threads and locks with glibc's
// C11 functions (thrd_create, mtx_lock, cnd_wait, ...). GCC 12's libtsan, like
// LLVM's before 15, does not intercept them: a thread from thrd_create is
// unknown to TSan and crashes at its first intercepted call (SEGV in the
// runtime, "nested bug in the same thread"), and the locks are invisible to it.
// These definitions take precedence over glibc's and call the pthread
// functions TSan does intercept, so librdkafka's threads and locks are seen.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

struct start {
  thrd_start_t fn;
  void* arg;
};

static void* trampoline(void* p) {
  struct start s = *(struct start*)p;
  free(p);
  return (void*)(intptr_t)s.fn(s.arg);
}

static int result(int rc) {
  switch (rc) {
    case 0: return thrd_success;
    case EBUSY: return thrd_busy;
    case ETIMEDOUT: return thrd_timedout;
    case ENOMEM:
    case EAGAIN: return thrd_nomem;
    default: return thrd_error;
  }
}

int thrd_create(thrd_t* thr, thrd_start_t fn, void* arg) {
  struct start* s = malloc(sizeof *s);
  if (s == NULL) return thrd_nomem;
  s->fn = fn;
  s->arg = arg;
  int rc = pthread_create(thr, NULL, trampoline, s);
  if (rc != 0) free(s);
  return result(rc);
}

int thrd_join(thrd_t thr, int* res) {
  void* r = NULL;
  int rc = pthread_join(thr, &r);
  if (rc == 0 && res != NULL) *res = (int)(intptr_t)r;
  return result(rc);
}

int thrd_detach(thrd_t thr) { return result(pthread_detach(thr)); }

_Noreturn void thrd_exit(int res) { pthread_exit((void*)(intptr_t)res); }

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  if (type & mtx_recursive) pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  int rc = pthread_mutex_init((pthread_mutex_t*)m, &a);
  pthread_mutexattr_destroy(&a);
  return result(rc);
}
int mtx_lock(mtx_t* m) { return result(pthread_mutex_lock((pthread_mutex_t*)m)); }
int mtx_trylock(mtx_t* m) { return result(pthread_mutex_trylock((pthread_mutex_t*)m)); }
int mtx_timedlock(mtx_t* restrict m, const struct timespec* restrict t) {
  return result(pthread_mutex_timedlock((pthread_mutex_t*)m, t));
}
int mtx_unlock(mtx_t* m) { return result(pthread_mutex_unlock((pthread_mutex_t*)m)); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy((pthread_mutex_t*)m); }

int cnd_init(cnd_t* c) { return result(pthread_cond_init((pthread_cond_t*)c, NULL)); }
int cnd_signal(cnd_t* c) { return result(pthread_cond_signal((pthread_cond_t*)c)); }
int cnd_broadcast(cnd_t* c) { return result(pthread_cond_broadcast((pthread_cond_t*)c)); }
int cnd_wait(cnd_t* c, mtx_t* m) { return result(pthread_cond_wait((pthread_cond_t*)c, (pthread_mutex_t*)m)); }
int cnd_timedwait(cnd_t* restrict c, mtx_t* restrict m, const struct timespec* restrict t) {
  return result(pthread_cond_timedwait((pthread_cond_t*)c, (pthread_mutex_t*)m, t));
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy((pthread_cond_t*)c); }

void call_once(once_flag* flag, void (*fn)(void)) { pthread_once((pthread_once_t*)flag, fn); }
