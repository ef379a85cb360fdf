#pragma once

#include "ce/Flowchart.h"
#include "ce/Presets.h"
#include "ce/RunData.h"

#include <cstdint>
#include <vector>

namespace ce {

// A replay of finished runs (one run, or a comparison's runs on one time scale): a playhead
// sweeps the time axis and everything shown depends only on where it is. Kept free of
// painting and timers so that it can be tested as a table: the window asks it what is
// revealed, which caption is up and how much of the flowchart's path is decided, and feeds
// it the real time that passed.
class Replay {
public:
    Replay() = default;
    // `measured`: the run whose figures the advice was taken from (-1: the first).
    Replay(std::vector<RunSnapshot> runs, Advice advice, std::vector<Caption> captions, int measured = -1);

    bool empty() const { return m_runs.empty(); }
    const std::vector<RunSnapshot>& runs() const { return m_runs; }
    const Advice& advice() const { return m_advice; }
    // Seconds from the start of the runs to the end of the longest.
    double duration() const { return m_duration; }

    // --- the playhead ---------------------------------------------------------------
    double position() const { return m_position; }
    double speed() const { return m_speed; }
    bool playing() const { return m_playing; }
    bool atEnd() const { return m_position >= m_duration; }
    void seek(double seconds); // clamped to [0, duration]
    void play();               // from the start again when at the end
    void pause();
    void togglePlaying();
    void setSpeed(double speed); // clamped to [kMinSpeed, kMaxSpeed]
    void faster();               // the next of kSpeeds
    void slower();
    // Moves the playhead by `realSeconds` of wall time at the current speed; stops at the
    // end. Returns whether the position changed.
    bool advance(double realSeconds);
    // Step to the next/previous moment where something happens (a phase starts or ends, a
    // caption, a step of the flowchart), at least duration/200 and at most duration/20 away.
    void stepForward();
    void stepBack();

    // --- what is revealed at a time (default: the playhead) --------------------------
    // Everything recorded before this time is drawn; nothing after it.
    std::int64_t revealedNs() const { return revealedNs(m_position); }
    std::int64_t revealedNs(double seconds) const;
    // The caption up at that time (the last one passed), or -1 before the first.
    int captionAt(double seconds) const;
    int currentCaption() const { return captionAt(m_position); }
    // Captions with their anchors fitted to this replay: anchors beyond 95 % of the
    // duration are compressed (in order) so that every caption is seen before the end.
    const std::vector<Caption>& captions() const { return m_captions; }
    // How many steps of the advice's path are decided by that time (0..path size).
    int knownSteps(double seconds) const;
    int knownSteps() const { return knownSteps(m_position); }
    // When each step of the path became decided, in seconds.
    const std::vector<double>& stepTimes() const { return m_stepTimes; }
    // Tasks of run `run` finished by that time.
    int tasksDone(int run, double seconds) const;

    static constexpr double kMinSpeed = 0.1;
    static constexpr double kMaxSpeed = 10.0;
    static const std::vector<double>& speeds(); // 0.1x .. 10x, the steps of faster()/slower()

private:
    std::vector<double> stops() const;

    std::vector<RunSnapshot> m_runs;
    Advice m_advice;
    std::vector<Caption> m_captions;
    std::vector<double> m_stepTimes;
    double m_duration = 0;
    double m_position = 0;
    double m_speed = 1.0;
    bool m_playing = false;
};

// When the CPU share that decides the flowchart's first step is settled in a run: the
// earliest time from which the share measured over the phases ended so far stays on the
// side of kCpuBoundShare it ends on (seconds; the run's end when it never settles).
double cpuShareSettledAt(const RunSnapshot& run);

} // namespace ce
