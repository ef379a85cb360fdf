#pragma once

#include "ce/Types.h"

#include <atomic>
#include <cstdint>
#include <mutex>

namespace ce {

// The one value every task of the counter workload increments (Python: a global `counter`
// that threads do `counter += 1` on). Unguarded, an increment is a separate load and store
// of relaxed atomics: another thread may store between them and its update is lost, which is
// the race the lesson shows, while the C++ stays free of undefined behaviour (TSan-clean).
struct SharedCounter {
    LockKind lock = LockKind::None;
    std::atomic<std::uint64_t> value{0};
    std::atomic<std::uint64_t> stepsDone{0}; // increments performed: what a correct count reaches
    std::mutex mutex;                        // threading.Lock, for --lock mutex
};

} // namespace ce
