#pragma once

#include "ce/Replay.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace ce::ui {

// The controls of a replay: play/pause, step back and forward, speed (0.1x to 10x) and a
// slider to scrub the playhead by dragging. The replay's logic lives in core's Replay; this
// bar only drives it from a ~30 fps timer and reports where the playhead is.
class ReplayBar : public QWidget {
    Q_OBJECT
public:
    explicit ReplayBar(QWidget* parent = nullptr);

    // Starts on these runs from the beginning (playing when `play`).
    void start(Replay replay, bool play);
    const Replay& replay() const { return m_replay; }
    void seek(double seconds);
    void togglePlaying();
    void stepForward();
    void stepBack();
    void faster();
    void slower();
    void setSpeed(double speed);

Q_SIGNALS:
    void positionChanged(double seconds);
    void closeRequested();

private:
    void tick();
    void sync();

    Replay m_replay;
    QTimer m_timer;
    QElapsedTimer m_clock;
    QToolButton* m_play = nullptr;
    QSlider* m_slider = nullptr;
    QComboBox* m_speed = nullptr;
    QLabel* m_time = nullptr;
    bool m_syncing = false;
};

} // namespace ce::ui
