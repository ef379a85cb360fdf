"""Reads a lockprobe file (see lockprobe.c) and prints, for the event loop's thread (the one
that polls with a timeout most), how long it held the lock in a pass after a sleep (from the
end of its last condition wait, or of the poll when it did not wait, to its next poll), and
how long it waited for the lock after each sleep, in whole switch intervals.

Usage: python3 passes.py EVENTS.txt [LABEL]
"""
import collections
import statistics
import sys


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    events = []
    with open(sys.argv[1]) as f:
        for line in f:
            tid, call, start, end, arg = (int(x) for x in line.split())
            events.append((tid, call, start, end, arg))
    polls = collections.Counter(e[0] for e in events if e[1] == 0 and e[4] > 0)
    if not polls:
        print("no poll with a timeout: not an event loop")
        return 1
    loop = polls.most_common(1)[0][0]
    mine = sorted((e for e in events if e[0] == loop), key=lambda e: e[2])
    held, waited = [], []
    poll_at = [i for i, e in enumerate(mine) if e[1] == 0]
    for a, b in zip(poll_at, poll_at[1:]):
        slept = mine[a]
        if slept[3] - slept[2] < 100000:  # a poll that did not sleep 0.1 ms
            continue
        waits = [e for e in mine[a + 1:b] if e[1] in (1, 2)]
        got = waits[-1][3] if waits else slept[3]
        held.append((mine[b][2] - got) / 1000.0)
        waited.append((got - slept[3]) / 1e6)
    if not held:
        print("no pass after a sleep")
        return 1
    label = sys.argv[2] if len(sys.argv) > 2 else sys.argv[1]
    held.sort()
    print("%s: %d passes after a sleep; lock held to the next poll: median %.1f us (p10 %.1f, p90 %.1f)"
          % (label, len(held), statistics.median(held), held[len(held) // 10], held[9 * len(held) // 10]))
    buckets = collections.Counter(min(int(w // 5), 6) for w in waited)
    print("  wait for the lock after the sleep: " + ", ".join(
        "%s %d" % ("<5 ms" if k == 0 else ">=30 ms" if k == 6 else "%d-%d ms" % (5 * k, 5 * k + 5), buckets[k]) for k in sorted(buckets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
