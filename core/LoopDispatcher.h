#pragma once

#include <QAbstractEventDispatcher>

namespace ce {

// An event dispatcher for a loop that holds many waits: on Linux, sockets are watched with
// epoll (a loop iteration costs what is ready, not what is registered; Qt's own dispatcher
// builds and polls the whole list every iteration) and timers sit in a heap (Qt's keeps a
// list sorted on insertion). It emits aboutToBlock() right before the thread blocks and
// awake() when it wakes, as Qt's does, so the emulated GIL is let go exactly while the loop
// sleeps. Returns nullptr where there is none (other platforms): keep Qt's dispatcher there.
// The caller owns the result until it hands it to a thread (QThread::setEventDispatcher).
QAbstractEventDispatcher* createLoopDispatcher();

// Installs createLoopDispatcher()'s dispatcher on the calling thread if the thread has no
// dispatcher yet (an adopted thread before its first QEventLoop). True if it was installed.
bool installLoopDispatcherOnThisThread();

} // namespace ce
