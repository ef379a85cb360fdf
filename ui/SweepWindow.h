#pragma once

#include "ce/Sweep.h"

#include <QDialog>

#include <atomic>
#include <mutex>
#include <thread>

class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;

namespace ce::ui {

// The window view of a sweep: the form's workload over a list of models and worker counts.
// Points run one after another on a thread of their own; the figure is redrawn as each
// arrives (pulled by a timer, never pushed), refused points included. Closing cancels.
class SweepWindow : public QDialog {
    Q_OBJECT
public:
    SweepWindow(const RunConfig& base, const QString& models, const QString& workers, QWidget* parent = nullptr);
    ~SweepWindow() override;

    bool isRunning() const { return m_running.load(); }
    SweepResult result() const;

public Q_SLOTS:
    void start();
    void cancel();

Q_SIGNALS:
    void finished();

protected:
    void resizeEvent(QResizeEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void poll();
    void redraw();
    void exportFigure();
    void join();

    RunConfig m_base;
    QLineEdit* m_models = nullptr;
    QLineEdit* m_workers = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_export = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_figure = nullptr;
    QTimer* m_timer = nullptr;

    mutable std::mutex m_mutex; // guards m_sweep while the thread adds points
    SweepResult m_sweep;
    std::size_t m_shownPoints = 0;
    std::thread m_thread;
    std::atomic<bool> m_running{false};
    std::atomic<bool> m_cancelled{false};
};

} // namespace ce::ui
