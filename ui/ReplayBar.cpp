#include "ReplayBar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QVBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QToolButton>

#include <cmath>

namespace ce::ui {

namespace {
constexpr int kSliderSteps = 10000;

QToolButton* button(const QString& text, const QString& tip)
{
    auto* b = new QToolButton;
    b->setText(text);
    b->setToolTip(tip);
    b->setAutoRaise(true);
    return b;
}
} // namespace

ReplayBar::ReplayBar(QWidget* parent) : QWidget(parent)
{
    // The slider on a row of its own: the whole width to scrub, even in a narrow column.
    auto* rows = new QVBoxLayout(this);
    rows->setContentsMargins(6, 2, 6, 2);
    rows->setSpacing(0);
    auto* layout = new QHBoxLayout;
    auto* back = button(tr("◀ Step"), tr("Step back to the previous moment where something happens (,)"));
    m_play = button(tr("▶ Play"), tr("Play or pause the replay (Space)"));
    auto* forward = button(tr("Step ▶"), tr("Step forward to the next moment where something happens (.)"));
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setRange(0, kSliderSteps);
    m_slider->setToolTip(tr("The playhead: drag it, or drag on the tracks, to scrub through the run"));
    m_speed = new QComboBox;
    for (double s : Replay::speeds())
        m_speed->addItem(QStringLiteral("%1x").arg(s), s);
    m_speed->setToolTip(tr("Replay speed: 1x is real time; slower with [, faster with ]"));
    m_time = new QLabel;
    m_time->setToolTip(tr("Playhead / length of the replay, in seconds of the recorded run"));
    auto* close = button(tr("Leave replay"), tr("Leave the replay and show the whole run (F8)"));
    rows->addWidget(m_slider);
    rows->addLayout(layout);
    layout->addWidget(back);
    layout->addWidget(m_play);
    layout->addWidget(forward);
    layout->addStretch(1);
    layout->addWidget(m_time);
    layout->addSpacing(12);
    layout->addWidget(m_speed);
    layout->addWidget(close);

    connect(back, &QToolButton::clicked, this, &ReplayBar::stepBack);
    connect(forward, &QToolButton::clicked, this, &ReplayBar::stepForward);
    connect(m_play, &QToolButton::clicked, this, &ReplayBar::togglePlaying);
    connect(close, &QToolButton::clicked, this, &ReplayBar::closeRequested);
    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        if (!m_syncing)
            seek(m_replay.duration() * v / kSliderSteps);
    });
    connect(m_slider, &QSlider::sliderPressed, this, [this] {
        m_replay.pause(); // dragging the playhead takes over from playing
        sync();
    });
    connect(m_speed, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (!m_syncing && i >= 0)
            setSpeed(m_speed->itemData(i).toDouble());
    });
    m_timer.setInterval(33);
    connect(&m_timer, &QTimer::timeout, this, &ReplayBar::tick);
}

void ReplayBar::start(Replay replay, bool play)
{
    const double speed = m_replay.speed();
    m_replay = std::move(replay);
    m_replay.setSpeed(speed);
    m_replay.seek(0);
    if (play)
        m_replay.play();
    sync();
    Q_EMIT positionChanged(m_replay.position());
}

void ReplayBar::seek(double seconds)
{
    m_replay.seek(seconds);
    sync();
    Q_EMIT positionChanged(m_replay.position());
}

void ReplayBar::togglePlaying()
{
    m_replay.togglePlaying();
    sync();
    Q_EMIT positionChanged(m_replay.position());
}

void ReplayBar::stepForward()
{
    m_replay.stepForward();
    sync();
    Q_EMIT positionChanged(m_replay.position());
}

void ReplayBar::stepBack()
{
    m_replay.stepBack();
    sync();
    Q_EMIT positionChanged(m_replay.position());
}

void ReplayBar::faster()
{
    m_replay.faster();
    sync();
}

void ReplayBar::slower()
{
    m_replay.slower();
    sync();
}

void ReplayBar::setSpeed(double speed)
{
    m_replay.setSpeed(speed);
    sync();
}

void ReplayBar::tick()
{
    const double real = m_clock.isValid() ? m_clock.restart() / 1000.0 : 0.0;
    const bool moved = m_replay.advance(real);
    sync();
    if (moved)
        Q_EMIT positionChanged(m_replay.position());
}

void ReplayBar::sync()
{
    m_syncing = true;
    const double d = m_replay.duration();
    m_slider->setValue(d > 0 ? static_cast<int>(std::lround(m_replay.position() / d * kSliderSteps)) : 0);
    m_play->setText(m_replay.playing() ? tr("Pause") : tr("▶ Play"));
    const int digits = d < 1 ? 3 : 2;
    m_time->setText(QStringLiteral("%1 / %2 s").arg(m_replay.position(), 0, 'f', digits).arg(d, 0, 'f', digits));
    int best = 0;
    for (int i = 0; i < m_speed->count(); ++i) {
        if (std::abs(m_speed->itemData(i).toDouble() - m_replay.speed()) < std::abs(m_speed->itemData(best).toDouble() - m_replay.speed()))
            best = i;
    }
    m_speed->setCurrentIndex(best);
    m_syncing = false;
    if (m_replay.playing() && !m_timer.isActive()) {
        m_clock.start();
        m_timer.start();
    } else if (!m_replay.playing() && m_timer.isActive()) {
        m_timer.stop();
        m_clock.invalidate();
    }
}

} // namespace ce::ui
