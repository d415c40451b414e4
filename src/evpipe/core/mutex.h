// A mutex whose lock rules the compiler checks: Clang's -Wthread-safety
// analysis (leveldb's port::Mutex and GUARDED_BY) reads the annotations below;
// GCC ignores them. `make thread-safety` (tests: storage_thread_safety) runs
// the Clang check over the code that uses them.
#pragma once

#include <mutex>

#if defined(__clang__)
#define EVPIPE_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define EVPIPE_THREAD_ANNOTATION(x)
#endif

#define EVPIPE_CAPABILITY(x) EVPIPE_THREAD_ANNOTATION(capability(x))
#define EVPIPE_SCOPED_CAPABILITY EVPIPE_THREAD_ANNOTATION(scoped_lockable)
#define EVPIPE_GUARDED_BY(x) EVPIPE_THREAD_ANNOTATION(guarded_by(x))
#define EVPIPE_PT_GUARDED_BY(x) EVPIPE_THREAD_ANNOTATION(pt_guarded_by(x))
#define EVPIPE_ACQUIRED_BEFORE(...) EVPIPE_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define EVPIPE_REQUIRES(...) EVPIPE_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EVPIPE_EXCLUDES(...) EVPIPE_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define EVPIPE_ACQUIRE(...) EVPIPE_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define EVPIPE_RELEASE(...) EVPIPE_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EVPIPE_ASSERT_HELD(x) EVPIPE_THREAD_ANNOTATION(assert_capability(x))
#define EVPIPE_NO_THREAD_SAFETY_ANALYSIS EVPIPE_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace evpipe {

// std::mutex with the capability annotation. Not recursive.
class EVPIPE_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void Lock() EVPIPE_ACQUIRE() { mu_.lock(); }
  void Unlock() EVPIPE_RELEASE() { mu_.unlock(); }
  // Tells the analysis the caller holds it (where it cannot see that).
  void AssertHeld() const EVPIPE_ASSERT_HELD(this) {}

 private:
  std::mutex mu_;
};

// Holds a Mutex for its scope.
class EVPIPE_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) EVPIPE_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() EVPIPE_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace evpipe
